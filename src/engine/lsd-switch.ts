/**
 * Local service discovery (BEP 14) switched on or off in a running WebTorrent client
 * (docs/decisions.md, "Network settings at once"). WebTorrent gives each torrent's
 * torrent-discovery `lsd: client.lsd` when the torrent starts, and the discovery builds its own
 * bittorrent-lsd object; this module sets `client.lsd` (for torrents started later) and builds or
 * destroys that object in every running discovery, with torrent-discovery's own `_createLSD` and
 * the listeners its `destroy` removes.
 */
import type WebTorrent from 'webtorrent'

/** bittorrent-lsd's object, as torrent-discovery holds it. */
interface Lsd {
  removeListener(event: string, listener: (...args: unknown[]) => void): void
  destroy(callback?: () => void): void
}

/** torrent-discovery internals this module drives (node_modules/torrent-discovery/index.js). */
interface Discovery {
  lsd: Lsd | null
  destroyed: boolean
  _createLSD(): Lsd
  _onWarning: (...args: unknown[]) => void
  _onError: (...args: unknown[]) => void
  _onLSDPeer: (...args: unknown[]) => void
}

interface ClientInternals {
  lsd: boolean
  torrents: { discovery?: Discovery | null }[]
}

/** Announce and listen on LSD for every torrent from now on, or stop (its sockets closed). */
export async function setLsd(client: WebTorrent, enabled: boolean): Promise<void> {
  const internals = client as unknown as ClientInternals
  internals.lsd = enabled
  const closing: Promise<void>[] = []
  for (const { discovery } of internals.torrents) {
    if (!discovery || discovery.destroyed) continue
    if (enabled && !discovery.lsd) discovery.lsd = discovery._createLSD()
    const lsd = discovery.lsd
    if (!enabled && lsd) {
      lsd.removeListener('warning', discovery._onWarning)
      lsd.removeListener('error', discovery._onError)
      lsd.removeListener('peer', discovery._onLSDPeer)
      discovery.lsd = null
      closing.push(new Promise((resolve) => lsd.destroy(() => resolve())))
    }
  }
  await Promise.all(closing)
}
