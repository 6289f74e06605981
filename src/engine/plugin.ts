import type Wire from 'bittorrent-protocol'
import type { Torrent, TorrentOptions } from 'webtorrent'
import type { TorrentSource } from './source.ts'

/** The answer of an admission hook: go ahead, or stop with a reason the user can read. */
export type Admission =
  | {
      admitted: true
      /**
       * Options for WebTorrent's `client.add`, e.g. provenance's gated store and `deselect` for a
       * magnet whose metadata must still be checked. Merged in plugin order.
       */
      torrentOptions?: Pick<TorrentOptions, 'deselect' | 'store' | 'storeOpts'>
      /**
       * The magnet to hand to WebTorrent in place of the user's, e.g. without the URLs a held
       * torrent may not contact yet. The user's magnet is still the one remembered.
       */
      magnet?: string
    }
  | { admitted: false; code: string; reason: string; details?: Record<string, unknown> }

export interface AdmissionRequest {
  source: TorrentSource
  /** The user explicitly asked to skip provenance for this torrent (`--allow-unsigned`). */
  allowUnsigned: boolean
}

/**
 * Extension seam, in tiers like libtorrent's plugin API (session → torrent → peer). Every hook is
 * optional and does nothing by default. Provenance, defence and reputation attach through it, so
 * the engine never depends on them.
 */
export interface EnginePlugin {
  readonly name: string
  /** Runs before WebTorrent sees the torrent. A refusal stops the add; nothing is fetched or written. */
  admit?(request: AdmissionRequest): Admission | Promise<Admission>
  /** A torrent was handed to WebTorrent (metadata may still be pending for magnets). */
  attachTorrent?(torrent: Torrent): void
  /** A peer connection exists for `torrent`; the handshake may not have completed yet. */
  attachWire?(wire: Wire, torrent: Torrent): void
  /**
   * Why connections to `host` are refused (a ban, naming the entry), or null. The engine asks
   * before dialling a peer the user named, so a banned `--peer` is reported rather than silent.
   */
  explainBlocked?(host: string): string | null
  close?(): void | Promise<void>
}

/** A torrent the provenance gate started deselected and has not yet released. */
export function isHeldByGate(torrent: Torrent): boolean {
  return (torrent as unknown as { _startAsDeselected?: boolean })._startAsDeselected === true
}
