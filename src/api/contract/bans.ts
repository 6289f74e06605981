/**
 * The contract's defence views: what Vouch remembers of a peer, a ban and its evidence (a block,
 * a wire message, a rule), a ban report, a blocklist import and a blocklist subscription. Part
 * of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'
import { BAN_REASONS } from '../../defence/ban-store.ts'
import { infoHash, nonNegative } from './fields.ts'

/** What Vouch remembers about one address (IPv4, or an IPv6 /64). */
export const PeerViewSchema = z.object({
  address: z.string(),
  peerIds: z.array(z.string()),
  clients: z.array(z.string()),
  /** ms since epoch */
  firstSeen: z.number(),
  lastSeen: z.number(),
  bytesUp: nonNegative,
  bytesDown: nonNegative,
  /** Bytes proven false, or of failed pieces it alone sent. */
  bytesBad: nonNegative,
  piecesGood: z.number().int().nonnegative(),
  /** Pieces this address was proven to have spoiled (hash failures it caused). */
  piecesBad: z.number().int().nonnegative(),
  strikes: nonNegative,
  /** Reputation, decayed to now. */
  score: z.number(),
  /** Open connections right now. */
  connections: z.number().int().nonnegative(),
  banned: z.boolean(),
  /** Connected right now (connections > 0). */
  connected: z.boolean(),
  /** The client of the live connection (extended handshake `v`, else peer ID), else the last one recorded. */
  client: z.string().nullable(),
  /** Torrents it is connected for right now. */
  torrents: z.array(z.object({ infoHash, name: z.string() })),
  /** Bytes per second over its live connections. */
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
})

export const BlockEvidenceSchema = z.object({
  infoHash: z.string(),
  piece: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  badDigest: z.string(),
  goodDigest: z.string().nullable(),
})

/** A `protocol-violation`: the wire message (id, declared length) and the most its type allows. */
export const WireEvidenceSchema = z.object({
  violation: z.enum(['length', 'request-flood']),
  infoHash: z.string().nullable(),
  messageId: z.number().int().nonnegative(),
  message: z.string(),
  declaredLength: z.number().int().nonnegative(),
  limit: z.number().int().nonnegative(),
})

export const BanEvidenceSchema = z.union([BlockEvidenceSchema, WireEvidenceSchema])
/** What a rule of rules.json saw (src/rules): the evidence of a ban no block proves. */
export const RuleEvidenceSchema = z.object({
  rule: z.string(),
  kind: z.enum([
    'client',
    'progress-ahead',
    'progress-rewind',
    'claims-then-requests',
    'over-download',
    'multi-dial',
    'idle',
    'strikes',
  ]),
  infoHash: z.string().nullable(),
  facts: z.record(z.string(), z.union([z.string(), z.number()])),
})

export { BAN_REASONS }

export const BanViewSchema = z.object({
  /** IPv4 address, IPv6 /64, or the first address of an imported range. */
  address: z.string(),
  rangeEnd: z.string().nullable(),
  reason: z.enum(BAN_REASONS),
  /** `feed:<name> <fingerprint>` for a ban applied from a followed report. */
  source: z.union([z.enum(['automatic', 'manual', 'imported']), z.string().regex(/^feed:/)]),
  evidence: BanEvidenceSchema.nullable(),
  /** Set when a rule made the ban: which rule, and what it measured. */
  rule: RuleEvidenceSchema.optional(),
  /** The name of the torrent the evidence is from (its infohash is in `evidence`); null when unknown. */
  torrentName: z.string().nullable(),
  note: z.string(),
  /** ms since epoch */
  createdAt: z.number(),
  /** ms since epoch; null = permanent */
  expiresAt: z.number().nullable(),
})

export const REPORT_FORMATS = ['json', 'csv', 'p2p', 'dat'] as const

export const BanReportSchema = z.object({
  format: z.enum(REPORT_FORMATS),
  /** A file name to save it under. */
  fileName: z.string(),
  mediaType: z.string(),
  text: z.string(),
  included: z.number().int().nonnegative(),
  /** Bans the format cannot hold (IPv6 in P2P and DAT). */
  omitted: z.number().int().nonnegative(),
  /** Fingerprint of the user's key that signed the report; null when unsigned. */
  signedBy: z.string().nullable(),
})

/** Malformed lines listed in an import result (all are counted). */
export const MAX_MALFORMED_LISTED = 50

export const BlocklistImportSchema = z.object({
  /** New bans. */
  imported: z.number().int().nonnegative(),
  /** Entries already covered by an active ban. */
  alreadyBanned: z.number().int().nonnegative(),
  /** DAT entries whose access level allows them (above 127), so not banned. */
  allowed: z.number().int().nonnegative(),
  malformedLines: z.number().int().nonnegative(),
  /** The first malformed lines, with their 1-based numbers. */
  malformed: z
    .array(z.object({ line: z.number().int().positive(), text: z.string(), reason: z.string() }))
    .max(MAX_MALFORMED_LISTED),
  /** Open connections to newly listed addresses that the import closed. */
  connectionsClosed: z.number().int().nonnegative(),
  /**
   * Entries refused without `force`: wider than an IPv4 /8 or IPv6 /32, or covering loopback or
   * this machine's addresses (src/reputation/blocklist-import.ts). All are counted, the first listed.
   */
  refusedCount: z.number().int().nonnegative(),
  refused: z
    .array(
      z.object({
        range: z.string(),
        label: z.string(),
        reason: z.enum(['too-wide', 'loopback', 'own-address']),
        message: z.string(),
      }),
    )
    .max(MAX_MALFORMED_LISTED),
})

export const SubscriptionViewSchema = z.object({
  url: z.string(),
  everyMs: z.number().int().positive(),
  /** ms since epoch of the last fetch; null before the first. */
  checkedAt: z.number().nullable(),
  changedAt: z.number().nullable(),
  entries: z.number().int().nonnegative(),
  /** Why the last fetch failed (the last good list stays in force); null when it worked. */
  error: z.string().nullable(),
})

export type PeerView = z.output<typeof PeerViewSchema>
export type BanView = z.output<typeof BanViewSchema>
export type BanReport = z.output<typeof BanReportSchema>
export type BlocklistImport = z.output<typeof BlocklistImportSchema>
export type SubscriptionView = z.output<typeof SubscriptionViewSchema>
export type ReportFormat = (typeof REPORT_FORMATS)[number]
