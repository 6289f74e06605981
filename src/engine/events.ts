/** The engine's event stream. The API contract (src/api) forwards these to the UI unchanged. */
import type { BanEvent, CreditEvent, HashFailureEvent } from '../defence/events.ts'
import type { ThresholdCount } from '../provenance/groups.ts'

export interface TorrentStats {
  infoHash: string
  name: string
  length: number
  downloaded: number
  uploaded: number
  progress: number
  downloadSpeed: number
  uploadSpeed: number
  numPeers: number
  /** Milliseconds; null when unknown (no data flowing, paused, queued or done). */
  timeRemaining: number | null
  done: boolean
  /** Paused by the user: no connections, nothing sent or fetched. */
  paused: boolean
  /** Waiting for a free slot in the download or seed queue. */
  queued: boolean
  hasMetadata: boolean
  /** Metadata known, existing data still being hashed. */
  checking: boolean
  /** The directory the torrent's files are saved under. */
  savePath: string
  /** ms since epoch */
  addedAt: number
  /** Uploaded over verified downloaded bytes; 0 when nothing is downloaded yet. */
  ratio: number
  /** Why the torrent stopped for good (WebTorrent destroyed it); null otherwise. */
  error: string | null
}

/** Why the provenance gate refused a torrent already handed to WebTorrent. */
export interface GateRefusal {
  /** The gate's reason code: mismatch, unknown-publisher, revoked, ... */
  code: string
  /** One sentence for people. */
  reason: string
  /** The signing key's fingerprint and public key, when the torrent carried a signature. */
  fingerprint: string | null
  publicKey: string | null
  /** With `below-threshold`: how many keys of the group signed, of how many (provenance/groups.ts). */
  threshold?: ThresholdCount
}

export interface PeerRef {
  infoHash: string
  address: string
  port: number
  peerId: string | null
}

export interface EngineEvents {
  added: { infoHash: string; name: string | null; seeding: boolean }
  metadata: { infoHash: string; name: string; length: number; files: { path: string; length: number }[] }
  progress: TorrentStats
  done: { infoHash: string; name: string }
  /** Recoverable: a piece failed its hash, a tracker was unreachable, a peer misbehaved. */
  warning: {
    infoHash: string | null
    message: string
    /** 'peer-banned': a peer the user asked for is banned, so it will not be contacted. */
    code?: 'peer-banned'
  }
  /** Fatal for the torrent named (or for the engine when infoHash is null). */
  error: {
    infoHash: string | null
    code: string
    message: string
    /** With code 'refused': the provenance gate's decision (a magnet refused when its metadata arrived). */
    refusal?: GateRefusal
  }
  'peer-connected': PeerRef
  'peer-disconnected': PeerRef
  removed: { infoHash: string }
  /** The defence banned an address: proof or strikes, with the evidence and expiry. */
  ban: BanEvent
  /** An address contributed true blocks to a piece that verified. */
  'peer-credit': CreditEvent
  /** A piece failed its hash check (the defence then attributes it). */
  'hash-failure': HashFailureEvent
}
