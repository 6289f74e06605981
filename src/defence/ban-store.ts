/**
 * The one interface bans go through. src/defence decides bans and enforces them on wires;
 * src/reputation persists them (SQLite) by implementing this interface. `MemoryBanStore` is the
 * in-process implementation used when no persistent store is attached.
 */

/** Who sent a bad block and how we know. */
export interface BlockEvidence {
  infoHash: string
  piece: number
  /** Byte offset of the block inside the piece. */
  offset: number
  /** Digest (hex) of the block the peer sent. */
  badDigest: string
  /** Digest (hex) of the correct block, once the piece verified; null when proof came otherwise. */
  goodDigest: string | null
}

/**
 * A peer-wire message no honest client sends (src/engine/wire-guard.ts): longer or shorter than
 * its type allows, or (`request`) past the queue the peer may keep outstanding.
 */
export interface WireEvidence {
  /** `length`: a message longer or shorter than its type allows; `request-flood`: too many requests. */
  violation: 'length' | 'request-flood'
  /** The torrent the connection was for, when known (an incoming wire may not have one yet). */
  infoHash: string | null
  /** The message's id byte. */
  messageId: number
  /** Its name, e.g. 'piece' (`unknown-N` for ids outside BEP 3, 6 and 10). */
  message: string
  /** The length the peer declared in the 4-byte prefix (id byte included). */
  declaredLength: number
  /** `length`: the most a message of this type may be there; `request-flood`: the outstanding requests allowed. */
  limit: number
}

export type BanEvidence = BlockEvidence | WireEvidence

export function isWireEvidence(evidence: BanEvidence): evidence is WireEvidence {
  return 'messageId' in evidence
}

/** Why an address is banned; the API contract and followed reports accept exactly these. */
export const BAN_REASONS = [
  /** The peer's block differed from the block of the piece once it verified (smart ban). */
  'poisoned-block',
  /** The peer was the only contributor of a piece that failed its hash. */
  'sole-contributor',
  /** Strikes from unproven suspicion passed the threshold. */
  'strikes',
  /** The peer sent blocks nobody asked for. */
  'unsolicited',
  /** The peer sent a wire message its type does not allow, or flooded requests (WireEvidence). */
  'protocol-violation',
  /** Banned by the user. */
  'manual',
  /** Imported from a blocklist. */
  'imported',
  /** A peer ID or client-name rule of rules.json matched (src/rules). */
  'client-rule',
  /** The peer reported progress it cannot have, rewound it, or downloaded far more than the torrent. */
  'progress-cheat',
  /** One host (IPv4 /24, IPv6 /56) held more connections to one torrent than the rules allow. */
  'multi-dial',
  /** The peer held connections open without asking for anything. */
  'idle',
  /** Strikes from rules (src/rules) passed the rules' threshold. */
  'rule-strikes',
] as const

export type BanReason = (typeof BAN_REASONS)[number]

/** `feed:<name> <fingerprint>`: applied from a followed ban report (src/reputation/follow.ts). */
export type BanSource = 'automatic' | 'manual' | 'imported' | `feed:${string}`

/** What a rule of rules.json saw (src/rules): the ban's evidence when no block proves it. */
export interface RuleEvidence {
  /** The rule's id in rules.json, e.g. `progress` or a client rule's own id. */
  rule: string
  kind:
    | 'client'
    | 'progress-ahead'
    | 'progress-rewind'
    | 'claims-then-requests'
    | 'over-download'
    | 'multi-dial'
    | 'idle'
    | 'strikes'
  /** The torrent the rule watched; null for rules about the peer itself (client names). */
  infoHash: string | null
  /** What was measured, named and in units a person can check (bytes, pieces, ms, counts). */
  facts: Record<string, string | number>
}

export interface Ban {
  /** The address key: an IPv4 address, or an IPv6 /64 prefix written as `2001:db8:1:2::/64`. */
  address: string
  /** For ranges (imported blocklists): the last address of the range; null for a single key. */
  rangeEnd: string | null
  reason: BanReason
  source: BanSource
  evidence: BanEvidence | null
  /** Set when a rule (src/rules) made the ban. */
  rule?: RuleEvidence
  /** Free text for people (label of a blocklist entry, a note). */
  note: string
  /** ms since epoch */
  createdAt: number
  /** ms since epoch; null = permanent */
  expiresAt: number | null
}

export interface BanStore {
  /** The active (unexpired) ban covering `address`, if any. */
  banFor(address: string, now?: number): Ban | undefined
  add(ban: Ban): void
  /** Lift every ban on `address`; returns how many were lifted. */
  lift(address: string): number
  /** Active bans. */
  list(now?: number): Ban[]
  /** How many times `address` has been banned before (for escalation), expired ones included. */
  priorBans(address: string): number
}
