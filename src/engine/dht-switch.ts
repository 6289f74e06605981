/**
 * The DHT switched on or off in a running WebTorrent client (docs/decisions.md, "Network settings
 * at once"). WebTorrent builds one DHT node in its constructor and hands it to every torrent's
 * torrent-discovery; this module does the same later, or undoes it:
 * - on: a node built as WebTorrent's constructor builds it (its node ID, the engine's DHT options
 *   with `verify` and the bootstrap list), listening on the client's DHT port, then attached to
 *   every public torrent's discovery, which announces at once;
 * - off: every discovery detached (its re-announce timer cleared, its peer listener removed), then
 *   the node destroyed, closing its UDP socket.
 * Torrents added later read `client.dht` themselves, as do new wires (BEP 5 PORT) and the feed
 * daemon (through Engine.dht).
 */
import DHT, { type DhtOptions } from 'bittorrent-dht'
import type WebTorrent from 'webtorrent'
import { VouchError } from '../errors.ts'

/** torrent-discovery internals this module drives (node_modules/torrent-discovery/index.js). */
interface Discovery {
  dht: DHT | null
  destroyed: boolean
  _dhtAnnouncing: boolean
  _dhtTimeout: NodeJS.Timeout | false
  _onDHTPeer: (...args: unknown[]) => void
  _dhtAnnounce: () => void
  /** Set here: `_dhtAnnounce` made safe to call with the DHT detached. */
  vouchGuarded?: boolean
}

interface ClientInternals {
  nodeId: string
  dhtPort: number
  dht: DHT | false | null
  destroyed: boolean
  natTraversal?: { map(options: Record<string, unknown>): Promise<unknown> }
  torrents: { private?: boolean; discovery?: Discovery | null }[]
  _destroy(error: Error): void
}

const internalsOf = (client: WebTorrent) => client as unknown as ClientInternals

/**
 * A re-announce already scheduled (or an announce answered after the node was detached) calls
 * `_dhtAnnounce` on a discovery whose `dht` is null; torrent-discovery would throw there.
 */
function guard(discovery: Discovery): void {
  if (discovery.vouchGuarded) return
  const announce = discovery._dhtAnnounce.bind(discovery)
  discovery._dhtAnnounce = () => {
    if (discovery.dht && !discovery.destroyed) announce()
  }
  discovery.vouchGuarded = true
}

function attach(discovery: Discovery, dht: DHT): void {
  guard(discovery)
  discovery.dht = dht
  dht.on('peer', discovery._onDHTPeer)
  discovery._dhtAnnouncing = false
  discovery._dhtAnnounce()
}

function detach(discovery: Discovery, dht: DHT): void {
  guard(discovery)
  dht.removeListener('peer', discovery._onDHTPeer)
  if (discovery._dhtTimeout) clearTimeout(discovery._dhtTimeout)
  discovery._dhtTimeout = false
  discovery._dhtAnnouncing = false
  discovery.dht = null
}

/** A node built as WebTorrent's constructor builds it, listening on `port`. */
async function listeningNode(nodeId: string, options: DhtOptions, port: number): Promise<DHT> {
  const dht = new DHT({ nodeId, ...options })
  // Ignore warning when there are > 10 torrents in the client (as WebTorrent does).
  dht.setMaxListeners(0)
  try {
    await new Promise<void>((resolve, reject) => {
      dht.once('error', reject)
      dht.once('listening', () => {
        dht.removeListener('error', reject)
        resolve()
      })
      dht.listen(port)
    })
    return dht
  } catch (error) {
    dht.on('error', () => undefined)
    dht.destroy()
    throw error
  }
}

/** Start the client's DHT node (nothing when it runs already). */
export async function startDht(client: WebTorrent, options: DhtOptions): Promise<void> {
  const internals = internalsOf(client)
  if (internals.dht || internals.destroyed) return
  let dht: DHT
  try {
    // The port of the node turned off before, so other nodes' routing tables still hold it; any
    // free port when that one is taken.
    dht = await listeningNode(internals.nodeId, options, internals.dhtPort).catch((error: Error) => {
      if (internals.dhtPort === 0) throw error
      return listeningNode(internals.nodeId, options, 0)
    })
  } catch (error) {
    throw new VouchError('network', `cannot start the DHT: ${(error as Error).message}`)
  }
  if (internals.destroyed) {
    dht.destroy()
    return
  }
  // From here on, as in WebTorrent's constructor: a DHT error destroys the client.
  dht.once('error', (error: Error) => internals._destroy(error))
  const address = dht.address()
  internals.dhtPort = address.port
  internals.natTraversal
    ?.map({
      publicPort: address.port,
      privatePort: address.port,
      protocol: 'udp',
      description: 'WebTorrent DHT',
    })
    .catch(() => undefined)
  internals.dht = dht
  for (const torrent of internals.torrents) {
    if (!torrent.private && torrent.discovery && !torrent.discovery.destroyed) attach(torrent.discovery, dht)
  }
}

/** Stop the client's DHT node: no torrent announces or looks up through it, its socket closed. */
export async function stopDht(client: WebTorrent): Promise<void> {
  const internals = internalsOf(client)
  const dht = internals.dht
  if (!dht) return
  // WebTorrent's own value for "no DHT" (its constructor with `dht: false`).
  internals.dht = false
  for (const torrent of internals.torrents) {
    if (torrent.discovery?.dht === dht) detach(torrent.discovery, dht)
  }
  dht.removeAllListeners('error')
  // A late socket error after destroy must not destroy the client.
  dht.on('error', () => undefined)
  await new Promise<void>((resolve) => (dht.destroyed ? resolve() : dht.destroy(() => resolve())))
}
