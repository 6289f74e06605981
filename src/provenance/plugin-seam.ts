/**
 * The provenance plugin's types at the engine seam: what the engine hands `admit`, what it gets
 * back, and the plugin's options (the refusal it is told of is worded in refusals.ts). Kept apart
 * from plugin.ts so that admission.ts and the engine read the seam without the plugin's state.
 */
import type { ProvenanceRefusal, RefusedAdmission } from './refusals.ts'
import type { GatedChunkStore, StoreGate } from './gated-store.ts'
import type { ProvenanceTorrent } from './torrent.ts'

/** The engine's TorrentSource, as far as provenance reads it. */
export type ProvenanceSource =
  | {
      kind: 'torrent-file'
      bytes: Uint8Array
      parsed: { infoHash: string }
      origin: string
      /** readProvenanceTorrent(bytes), made when the bytes were decoded (not read again here). */
      reading?: ProvenanceTorrent
    }
  | { kind: 'magnet'; uri: string; parsed: { infoHash: string } }
  | { kind: 'infohash'; infoHash: string; parsed: { infoHash: string } }

export interface ProvenanceAdmissionRequest {
  source: ProvenanceSource
  allowUnsigned: boolean
}

export interface GatedTorrentOptions {
  deselect: true
  store: typeof GatedChunkStore
  storeOpts: { gate: StoreGate }
}

export type ProvenanceAdmission =
  { admitted: true; torrentOptions?: GatedTorrentOptions; magnet?: string } | RefusedAdmission

export interface ProvenanceOptions {
  /** ms since 1970; injectable for tests. */
  now?: () => number
  /** What to do with a magnet that carries no envelope. Default 'hold'. */
  unsignedMagnets?: 'hold' | 'refuse'
  /** A torrent already handed to WebTorrent was refused (its metadata did not match). */
  onRefused?: (refusal: ProvenanceRefusal) => void
  /**
   * Where the envelopes that admitted each torrent are kept (the engine's HOME/torrents, as the
   * sidecar of its stored copy), so a restart judges them again. Default: not kept.
   */
  keepEnvelopesIn?: string
}

export type HeldState = 'awaiting-envelope' | 'awaiting-metadata' | 'approved' | 'refused'
