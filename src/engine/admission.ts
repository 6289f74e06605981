/** Asking the plugins before a torrent reaches WebTorrent: may it be added, and may its peers be dialled. */
import type { TorrentOptions } from 'webtorrent'
import { VouchError } from '../errors.ts'
import type { EngineEvents } from './events.ts'
import type { EnginePlugin } from './plugin.ts'
import type { TorrentSource } from './source.ts'
import type { TypedEmitter } from './typed-emitter.ts'

export interface Admitted {
  torrentOptions: TorrentOptions
  /** What to hand WebTorrent for a magnet (a plugin may strip URLs); null for other sources. */
  magnet: string | null
}

/** Every plugin's admit hook in order; the first refusal throws VouchError('refused'). */
export async function admitThroughPlugins(
  plugins: readonly EnginePlugin[],
  source: TorrentSource,
  allowUnsigned: boolean,
): Promise<Admitted> {
  let torrentOptions: TorrentOptions = {}
  let magnet = source.kind === 'magnet' ? source.uri : null
  for (const plugin of plugins) {
    if (!plugin.admit) continue
    const admission = await plugin.admit({ source, allowUnsigned })
    if (admission.admitted) {
      torrentOptions = { ...torrentOptions, ...admission.torrentOptions }
      if (magnet !== null && admission.magnet) magnet = admission.magnet
    } else {
      throw new VouchError('refused', admission.reason, { code: admission.code, ...admission.details })
    }
  }
  return { torrentOptions, magnet }
}

/** Why each peer the user named will not be contacted (a plugin refuses it: a ban), per peer. */
export function blockedPeers(
  plugins: readonly EnginePlugin[],
  peers: readonly string[],
): { peer: string; why: string }[] {
  const blocked: { peer: string; why: string }[] = []
  for (const peer of peers) {
    const host = peer.slice(0, peer.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')
    for (const plugin of plugins) {
      const why = plugin.explainBlocked?.(host)
      if (!why) continue
      blocked.push({ peer, why })
      break
    }
  }
  return blocked
}

/** A peer the user named that a plugin refuses (a ban) is reported, not dropped in silence. */
export function warnBlockedPeers(
  plugins: readonly EnginePlugin[],
  events: TypedEmitter<EngineEvents>,
  infoHash: string,
  peers: readonly string[],
): void {
  for (const { peer, why } of blockedPeers(plugins, peers)) {
    events.emit('warning', {
      infoHash,
      code: 'peer-banned',
      message: `peer ${peer} will not be contacted: ${why}`,
    })
  }
}
