/** What the defence reports. The engine forwards these as its `ban` and `peer-credit` events. */
import type { BanEvidence, BanReason, BanSource, RuleEvidence } from './ban-store.ts'

export interface BanEvent {
  /** The address key banned: an IPv4 address or an IPv6 /64. */
  address: string
  reason: BanReason
  source: BanSource
  evidence: BanEvidence | null
  /** Set when a rule (src/rules) made the ban. */
  rule?: RuleEvidence
  /** The connection that gave the evidence, when there was one. */
  peer: { host: string; port: number; peerId: string | null } | null
  note: string
  /** ms since epoch */
  createdAt: number
  /** ms since epoch; null = permanent */
  expiresAt: number | null
  /**
   * When the first bad block behind the ban arrived (ms since epoch): the poisoned block that
   * differed, the earliest block of a failed piece it alone sent, or its first unsolicited block.
   * Null for bans without block evidence (strikes, manual, imported).
   */
  firstBadBlockAt: number | null
  /** Open connections to the address that the ban closed, across all torrents. */
  connectionsClosed: number
}

/** A piece failed its hash check. */
export interface HashFailureEvent {
  infoHash: string
  piece: number
  /** The piece's length: bytes received that had to be thrown away. */
  bytes: number
  /** Address keys that sent blocks of the failed piece. */
  contributors: string[]
}

/** An address contributed blocks of a piece that verified. */
export interface CreditEvent {
  infoHash: string
  address: string
  piece: number
  bytes: number
}

/** Running totals per address key, for the reputation store to persist. */
export interface PeerContribution {
  address: string
  /** Bytes of verified pieces that this address sent, true blocks only. */
  bytesGood: number
  /** Bytes this address sent that were proven false (or the whole failed piece it alone sent). */
  bytesBad: number
  /** Verified pieces this address contributed to. */
  piecesGood: number
  /** Pieces this address was proven to have spoiled. */
  piecesBad: number
  /** Unsolicited blocks received from this address. */
  unsolicitedBlocks: number
}
