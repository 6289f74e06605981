/**
 * The API contract between the UI and everything behind it: every command and event, each with a
 * runtime schema. Both transports (Electron IPC and the headless WebSocket) carry exactly these
 * messages and go through one dispatcher (dispatcher.ts) that validates before any handler runs.
 *
 * The renderer imports this file with `import type` only (test/unit/layers.test.ts checks it), so
 * nothing here may be needed at run time by the UI: constants the preload needs are repeated
 * there and pinned equal by a test.
 */
import { z } from 'zod'
import { BAN_REASONS } from '../defence/ban-store.ts'
import { ERROR_CODES } from '../errors.ts'

/** ipcMain.handle channel for commands. */
export const COMMAND_CHANNEL = 'vouch:command'
/** webContents.send channel for events. */
export const EVENT_CHANNEL = 'vouch:event'
/** Path of the WebSocket endpoint of the headless server. */
export const WEBSOCKET_PATH = '/api'
/**
 * WebSocket subprotocols of the headless API. A browser page offers both; the second carries the
 * token (a browser cannot set Authorization on a WebSocket, and a cookie would reach every other
 * server on the same host, whatever its port). The server answers with the first, never the token.
 */
export const WEBSOCKET_PROTOCOL = 'vouch.v1'
export const WEBSOCKET_TOKEN_PROTOCOL_PREFIX = 'vouch-token.'

/** A .torrent file sent by the UI, base64 encoded; matches MAX_TORRENT_FILE_BYTES (16 MiB). */
export const MAX_TORRENT_FILE_BASE64 = Math.ceil((16 * 1024 * 1024) / 3) * 4
/** Magnets carrying an envelope are long; anything past this is not a magnet a person pasted. */
export const MAX_SOURCE_LENGTH = 16 * 1024

const infoHash = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character lowercase hex infohash')
/** `1a2b-3c4d-5e6f-7a8b`, as the trust store shows it (dashes and colons optional). */
const fingerprint = z.string().regex(/^[0-9a-fA-F]{4}([-:]?[0-9a-fA-F]{4}){3}$/, 'expected a key fingerprint')
const peerAddress = z.string().min(3).max(300)
const nonNegative = z.number().nonnegative()

export const ApiErrorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
})

/** Who signed a torrent, as the trust store knows them. */
export const PublisherSchema = z.object({
  name: z.string(),
  /** Short fingerprint shown to people. */
  fingerprint: z.string(),
})

/**
 * The provenance badge of a torrent. `unchecked`: the gate has not reported on it (seeded by us);
 * `unsigned-allowed`: the user explicitly overrode the policy for this torrent.
 */
export const ProvenanceSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('unchecked') }),
  z.object({ status: z.literal('unsigned-allowed') }),
  /** A magnet held by the gate: nothing is selected or written until a signature is accepted. */
  z.object({ status: z.literal('held'), waitingFor: z.enum(['signature', 'metadata']) }),
  z.object({ status: z.literal('signed'), publishers: z.array(PublisherSchema).min(1) }),
])

export const TORRENT_STATES = [
  'downloading',
  'seeding',
  'paused',
  'queued',
  /** A magnet the provenance gate holds: nothing selected or written until a signature is accepted. */
  'held',
  'refused',
  /** Stopped by an error (see `error`). */
  'error',
  /** Metadata known, existing data being hashed. */
  'checking',
] as const

export const TorrentViewSchema = z.object({
  infoHash,
  name: z.string(),
  /** Bytes; 0 until metadata arrives. */
  length: nonNegative,
  downloaded: nonNegative,
  uploaded: nonNegative,
  /** 0..1 */
  progress: z.number().min(0).max(1),
  /** Bytes per second; 0 when held, paused, queued, done (download) or no peer is sending. */
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  numPeers: z.number().int().nonnegative(),
  /** Milliseconds; null when unknown, and for held, paused, queued, idle and done torrents. */
  timeRemaining: nonNegative.nullable(),
  done: z.boolean(),
  /** False for a magnet until a peer sends the metadata. */
  hasMetadata: z.boolean(),
  provenance: ProvenanceSchema,
  state: z.enum(TORRENT_STATES),
  /** Paused by the user (a queued torrent is not paused). */
  paused: z.boolean(),
  /** The folder the torrent's files are saved under. */
  savePath: z.string(),
  /** ms since epoch */
  addedAt: nonNegative,
  /** Uploaded over downloaded bytes. */
  ratio: nonNegative,
  /** Why the torrent stopped, for state `error`. */
  error: z.string().nullable(),
})

export const FILE_PRIORITIES = ['skip', 'low', 'normal', 'high'] as const

export const TorrentFileSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Relative to the save path, as in the metadata. */
  path: z.string(),
  length: nonNegative,
  downloaded: nonNegative,
  progress: z.number().min(0).max(1),
  /** `skip`: deselected, its pieces are never requested (unless a wanted file shares them). */
  priority: z.enum(FILE_PRIORITIES),
})

export const TorrentPeerSchema = z.object({
  address: z.string(),
  port: z.number().int().nonnegative(),
  /** From the extended handshake's `v`, else from the peer ID; `unknown` when neither says. */
  client: z.string(),
  flags: z.object({
    incoming: z.boolean(),
    encrypted: z.boolean(),
    /** We choke the peer. */
    choked: z.boolean(),
    /** We are interested in the peer's pieces. */
    interested: z.boolean(),
    peerChoking: z.boolean(),
    peerInterested: z.boolean(),
  }),
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  /** The share of pieces the peer has, 0..1. */
  progress: z.number().min(0).max(1),
  downloaded: nonNegative,
  uploaded: nonNegative,
  /** Reputation of the address, decayed to now; null when Vouch has no record of it. */
  score: z.number().nullable(),
  banned: z.boolean(),
})

export const TrackerViewSchema = z.object({
  url: z.string(),
  status: z.enum(['working', 'updating', 'error', 'disabled']),
  peers: z.number().int().nonnegative().nullable(),
  /** ms since epoch */
  lastAnnounce: z.number().nullable(),
  error: z.string().nullable(),
})

/** Bytes per second, or null for no limit. */
const rateLimit = z
  .number()
  .int()
  .min(1)
  .max(10 * 1024 ** 3)
  .nullable()

/** A torrent's own speed limits, inside the global ones of the settings. */
export const TorrentLimitsSchema = z.object({ downloadLimit: rateLimit, uploadLimit: rateLimit })

export const TorrentDetailsSchema = z.object({
  infoHash,
  savePath: z.string(),
  pieceLength: nonNegative,
  pieceCount: z.number().int().nonnegative(),
  /** Verified pieces as a BitTorrent bitfield (most significant bit first), base64. */
  pieces: z.string(),
  files: z.array(TorrentFileSchema),
  peers: z.array(TorrentPeerSchema),
  trackers: z.array(TrackerViewSchema),
  limits: TorrentLimitsSchema,
})

/**
 * The settings screen, persisted in HOME/settings.json and applied at once: the listening port
 * too (the engine listens on the new one, open connections stay), PEX (for new connections), the
 * DHT and LSD; UPnP and NAT-PMP apply when the engine next starts (docs/decisions.md). No setting
 * makes unsigned torrents acceptable.
 */
export const SettingsSchema = z.strictObject({
  /** Absolute path where new torrents are saved. */
  downloadDir: z
    .string()
    .min(1)
    .max(4096)
    .refine((dir) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(dir), 'expected an absolute path'),
  downloadLimit: rateLimit,
  uploadLimit: rateLimit,
  /** Pause a seeding torrent once uploaded ÷ downloaded reaches this. */
  seedRatioLimit: z.number().positive().max(1000).nullable(),
  /** Pause a torrent once it has seeded this long. */
  seedTimeLimitMinutes: z.number().int().positive().max(525_600).nullable(),
  /** Downloads running at once; the rest wait, `queued`. */
  maxActiveDownloads: z.number().int().positive().max(10_000).nullable(),
  maxActiveSeeds: z.number().int().positive().max(10_000).nullable(),
  /** Port for peers; null = any free port. */
  listenPort: z.number().int().min(1).max(65535).nullable(),
  dht: z.boolean(),
  lsd: z.boolean(),
  upnp: z.boolean(),
  natPmp: z.boolean(),
  pex: z.boolean(),
  notifications: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
})

/** Why the provenance policy refused a torrent, with what the user needs to decide to pin. */
export const RefusalSchema = z.object({
  /** The gate's reason code (unsigned, unknown-publisher, bad-signature, expired, ...). */
  code: z.string(),
  /** One sentence for people. */
  reason: z.string(),
  /** What was being added: a file name or a magnet link. */
  source: z.string(),
  infoHash: infoHash.nullable(),
  /** The signing key, when the torrent carried a signature from a key we do not trust. */
  publisher: z
    .object({ fingerprint: z.string(), publicKey: z.string(), name: z.string().nullable() })
    .nullable(),
  /** With `below-threshold`: `signed` distinct keys of group `group` (of `keys`) signed; `required` must. */
  threshold: z
    .object({
      group: z.string(),
      signed: z.number().int().nonnegative(),
      required: z.number().int().positive(),
      keys: z.number().int().positive(),
    })
    .optional(),
})

export const AddResultSchema = z.discriminatedUnion('status', [
  /** `duplicate`: the torrent was already in the list (peers given were added to it). */
  z.object({ status: z.literal('added'), infoHash, name: z.string(), duplicate: z.boolean() }),
  z.object({ status: z.literal('refused'), refusal: RefusalSchema }),
])

/** One point of the speed / hash-failure chart; the server samples once a second. */
export const StatsSampleSchema = z.object({
  /** ms since epoch */
  at: z.number(),
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  /** Pieces that failed their hash in this interval, over all torrents. */
  hashFailures: z.number().int().nonnegative(),
})

export const AppInfoSchema = z.object({
  version: z.string(),
  downloadDir: z.string(),
  /** The data directory (trust store, reputation database, torrent list). */
  home: z.string(),
})

/** The status bar: totals over all torrents, the DHT and the download folder's disk. */
export const AppStatusSchema = z.object({
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  /** Nodes in the DHT routing table; 0 when the DHT is off. */
  dhtNodes: z.number().int().nonnegative(),
  /** Free bytes on the download folder's file system; null when it cannot be read. */
  freeDiskBytes: nonNegative.nullable(),
  downloadDir: z.string(),
})

/** A pinned (or revoked) publisher key in the trust store. */
export const PublisherViewSchema = z.object({
  fingerprint: z.string(),
  /** `vouch-ed25519 <base64url>` */
  publicKey: z.string(),
  name: z.string(),
  /** ISO 8601 */
  pinnedAt: z.string(),
  expires: z.string().nullable(),
  /** Glob of torrent names the key may sign; null = any. */
  scope: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** `rotated`: the pin was handed to the key `rotatedTo` (a rotation statement signed by this one). */
  status: z.enum(['pinned', 'expired', 'revoked', 'rotated']),
  /** Fingerprint of the key this one was rotated to; null unless rotated. */
  rotatedTo: z.string().nullable(),
  /** ISO 8601; null unless rotated. */
  rotatedAt: z.string().nullable(),
})

/** A threshold group: a release from it needs `threshold` distinct keys of `members`. */
export const TrustGroupViewSchema = z.object({
  name: z.string(),
  threshold: z.number().int().positive(),
  /** Fingerprints of the group's keys, each also listed in `publishers`. */
  members: z.array(z.string()),
  /** ISO 8601 */
  createdAt: z.string(),
})

/** A rotation statement read before applying it: who hands the pin to whom. */
export const RotationPreviewSchema = z.object({
  oldFingerprint: z.string(),
  newFingerprint: z.string(),
  /** The pinned name that moves to the new key. */
  name: z.string(),
  /** ISO 8601: when the publisher signed the statement. */
  created: z.string(),
  /** Fingerprints of the statement's signers (valid or not; applying checks them). */
  signers: z.array(z.string()),
})

/** A followed publisher feed (BEP 46), as the Feeds screen shows it. */
export const FeedViewSchema = z.object({
  /** The BEP 44 target, hex. */
  id: z.string(),
  magnet: z.string(),
  name: z.string(),
  fingerprint: z.string(),
  outDir: z.string().nullable(),
  notifyOnly: z.boolean(),
  lastSeq: z.number().nullable(),
  lastInfoHash: z.string().nullable(),
  /** ISO 8601: when the last release was accepted. */
  lastUpdate: z.string().nullable(),
  lastPollAt: z.string().nullable(),
  nextPollAt: z.string().nullable(),
  state: z.enum(['waiting', 'ok', 'stale', 'refused', 'error']),
  stale: z.boolean(),
  lastError: z.string().nullable(),
  /** With notify-only: the newest release, announced but not started. */
  available: z.object({ seq: z.number(), infoHash: z.string() }).nullable(),
})

/** A feed magnet read before subscribing: whose key it is and whether it is pinned. */
export const FeedDescriptionSchema = z.object({
  id: z.string(),
  magnet: z.string(),
  name: z.string(),
  fingerprint: z.string(),
  publicKey: z.string(),
  /** The pinned name of the key; null when it must be pinned first. */
  pinnedAs: z.string().nullable(),
  revoked: z.boolean(),
})

const feedMagnet = z.string().trim().min(1).max(2048)
/** A rotation statement file is at most 4 KiB (docs/formats.md, "Key rotation"), so 5464 base64 characters. */
const rotationStatement = z
  .string()
  .trim()
  .min(1)
  .max(5464)
  .regex(/^[A-Za-z0-9+/\s]+={0,2}$/, 'expected the rotation statement file as base64')

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

/** A file the user picked in the browser, sent as its bytes: the back end never reads a path the UI names. */
const uploadedFile = (maxBase64: number) =>
  z.strictObject({ fileName: z.string().min(1).max(1024), contentBase64: z.base64().max(maxBase64) })

/** A secret key file (`vouch keygen`) is under 200 bytes; anything near this is not one. */
export const MAX_KEY_FILE_BASE64 = 16 * 1024
/** Envelope text: a sidecar file (256 KiB at most), one envelope, or a magnet carrying envelopes. */
export const MAX_ENVELOPE_TEXT = 256 * 1024
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

/** One row of the audit log, as it was committed. */
export const AuditEntrySchema = z.object({
  seq: z.number().int().positive(),
  /** ms since epoch */
  at: z.number(),
  /** ban.created, ban.lifted, ban.imported, provenance.accepted|refused|override, trust.* */
  type: z.string(),
  /** What it is about: an infohash, an address, a key fingerprint, a file name. */
  subject: z.string(),
  details: z.record(z.string(), z.unknown()),
})

/** HOME/rules.json as the Rules screen edits it. */
export const RulesViewSchema = z.object({
  file: z.string(),
  /** The file's text, or the defaults written out when there is no file. */
  text: z.string(),
  /** True when no rules.json exists and the defaults apply. */
  isDefault: z.boolean(),
})

/** The largest rules.json the API accepts. */
export const MAX_RULES_TEXT = 256 * 1024

export const DryRunSchema = z.object({
  peers: z.number().int().nonnegative(),
  observations: z.number().int().nonnegative(),
  findings: z.array(
    z.object({
      address: z.string(),
      outcome: z.enum(['ban', 'shadow', 'strikes']),
      reason: z.enum(BAN_REASONS),
      strikes: z.number().int().nonnegative(),
      verdicts: z.array(
        z.object({
          action: z.enum(['ban', 'strike', 'shadow']),
          reason: z.enum(BAN_REASONS),
          note: z.string(),
          evidence: RuleEvidenceSchema,
        }),
      ),
    }),
  ),
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

/** The answer to envelopes offered for a magnet the gate holds. */
export const OfferResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted'), infoHash, publishers: z.array(PublisherSchema).min(1) }),
  z.object({ status: z.literal('refused'), refusal: RefusalSchema }),
])

const addOptions = {
  /** Explicit per-torrent override of the provenance policy (recorded in the audit log). */
  allowUnsigned: z.boolean().optional(),
  /** Peers to dial directly, HOST:PORT. */
  peers: z.array(peerAddress).max(64).optional(),
}

const noArgs = z.strictObject({})

/** Every command: its arguments and its result. */
export const COMMANDS = {
  'app.info': { args: noArgs, result: AppInfoSchema },
  'app.status': { args: noArgs, result: AppStatusSchema },
  'torrents.list': { args: noArgs, result: z.array(TorrentViewSchema) },
  /** Add a magnet link or an infohash. */
  'torrents.add': {
    args: z.strictObject({ source: z.string().trim().min(1).max(MAX_SOURCE_LENGTH), ...addOptions }),
    result: AddResultSchema,
  },
  /** Add a .torrent file the user picked or dropped. */
  'torrents.addFile': {
    args: z.strictObject({
      fileName: z.string().min(1).max(1024),
      contentBase64: z.base64().max(MAX_TORRENT_FILE_BASE64),
      ...addOptions,
    }),
    result: AddResultSchema,
  },
  /**
   * Envelopes for a magnet the provenance gate holds: the text of a sidecar file, one envelope, or
   * a magnet link carrying envelopes. Accepted: the download starts; refused: it stays held.
   */
  'torrents.offerEnvelope': {
    args: z.strictObject({ infoHash, text: z.string().trim().min(1).max(MAX_ENVELOPE_TEXT) }),
    result: OfferResultSchema,
  },
  /** `deleteData`: also delete the torrent's files (only those, only under its save path). */
  'torrents.remove': {
    args: z.strictObject({ infoHash, deleteData: z.boolean().optional() }),
    result: z.object({ removed: z.boolean() }),
  },
  /** Close every connection of a torrent and make no new ones until resumed (kept across restarts). */
  'torrents.pause': { args: z.strictObject({ infoHash }), result: TorrentViewSchema },
  'torrents.resume': { args: z.strictObject({ infoHash }), result: TorrentViewSchema },
  /** Dial a peer for this torrent; it is remembered and dialled again after a resume or restart. */
  'torrents.addPeer': {
    args: z.strictObject({ infoHash, address: peerAddress }),
    result: z.object({ added: z.boolean() }),
  },
  /** Files, peers, trackers and the pieces map of one torrent. */
  'torrents.details': { args: z.strictObject({ infoHash }), result: TorrentDetailsSchema },
  /** Change file priorities (by index); kept across restarts. */
  'torrents.setFiles': {
    args: z.strictObject({
      infoHash,
      files: z
        .array(
          z.strictObject({
            index: z.number().int().nonnegative().max(1_000_000),
            priority: z.enum(FILE_PRIORITIES),
          }),
        )
        .min(1)
        .max(100_000),
    }),
    result: TorrentDetailsSchema,
  },
  /** Set or lift (null) this torrent's own download and upload limits; kept across restarts. */
  'torrents.setLimits': {
    args: z
      .strictObject({ infoHash, downloadLimit: rateLimit.optional(), uploadLimit: rateLimit.optional() })
      .refine(
        (args) => args.downloadLimit !== undefined || args.uploadLimit !== undefined,
        'expected downloadLimit or uploadLimit (bytes per second, or null for no limit)',
      ),
    result: TorrentDetailsSchema,
  },
  /** Announce to the torrent's trackers and the DHT now. */
  'torrents.reannounce': { args: z.strictObject({ infoHash }), result: z.object({ ok: z.literal(true) }) },
  'settings.get': { args: noArgs, result: SettingsSchema },
  /** Change some settings; the answer is all of them as now saved and applied. */
  'settings.set': { args: SettingsSchema.partial(), result: SettingsSchema },
  /** The recent speed and hash-failure samples, oldest first. */
  'stats.history': { args: noArgs, result: z.array(StatsSampleSchema) },

  /** The pinned (and revoked, and rotated) keys, and the threshold groups over them. */
  'trust.list': {
    args: noArgs,
    result: z.object({ publishers: z.array(PublisherViewSchema), groups: z.array(TrustGroupViewSchema) }),
  },
  /** Pin a key (or update the name, expiry and scope of one already pinned). */
  'trust.pin': {
    args: z.strictObject({
      /** `vouch-ed25519 …` or an OpenSSH `ssh-ed25519 AAAA…` line. */
      publicKey: z.string().trim().min(1).max(2000),
      name: z.string().trim().min(1).max(200),
      expires: z.iso.datetime({ offset: true }).optional(),
      scope: z.string().min(1).max(500).optional(),
    }),
    result: PublisherViewSchema,
  },
  /** Unpin a key (revoked keys stay listed). */
  'trust.remove': { args: z.strictObject({ fingerprint: fingerprint }), result: PublisherViewSchema },
  /** Refuse a key forever. */
  'trust.revoke': { args: z.strictObject({ fingerprint: fingerprint }), result: PublisherViewSchema },
  /**
   * Pin a group of `keys` of which `threshold` must sign each release (k of n). Each key is public
   * key text (`vouch-ed25519 …`, `ssh-ed25519 …`, 64 hex digits) or the fingerprint of a key
   * already pinned; keys not yet pinned are pinned under the group's name.
   */
  'trust.addGroup': {
    args: z.strictObject({
      name: z.string().trim().min(1).max(200),
      threshold: z.number().int(),
      keys: z.array(z.string().trim().min(1).max(2000)).min(1).max(16),
    }),
    result: TrustGroupViewSchema,
  },
  /** Read a rotation statement (`vouch trust rotate-sign`'s file, base64) without applying it. */
  'trust.describeRotation': {
    args: z.strictObject({ statementBase64: rotationStatement }),
    result: RotationPreviewSchema,
  },
  /** Apply a rotation statement: the pin moves to the new key; the old one stays listed as rotated. */
  'trust.rotate': {
    args: z.strictObject({ statementBase64: rotationStatement }),
    result: PublisherViewSchema,
  },

  'peers.list': {
    args: z.strictObject({ limit: z.number().int().min(1).max(10_000).optional() }),
    result: z.array(PeerViewSchema),
  },
  'bans.list': { args: noArgs, result: z.array(BanViewSchema) },
  'bans.lift': {
    args: z.strictObject({ address: z.string().min(1).max(100) }),
    result: z.object({
      lifted: z.number(),
      /** Ranges lifted because they covered the address (`first-last (source: label)`). */
      ranges: z.array(z.string()),
    }),
  },
  /**
   * Ban one address by hand (IPv4, or IPv6, which bans its /64): enforced and audited like an
   * automatic ban, source `manual`; open connections to it close at once. Ranges: bans.import.
   */
  'bans.create': {
    args: z.strictObject({
      address: z.string().trim().min(2).max(100),
      /** Why, for people; kept as the ban's note. */
      reason: z.string().max(500).optional(),
      /** ms since epoch; null or absent = permanent. */
      expiresAt: z.number().int().positive().nullable().optional(),
    }),
    result: BanViewSchema,
  },
  /** The hash-chained audit log from the store, newest first, a page at a time. */
  'audit.list': {
    args: z.strictObject({
      /** One event type, e.g. `ban.created`, `provenance.refused`, `provenance.override`. */
      kind: z.string().trim().min(1).max(100).optional(),
      /** Only events older than this seq (the previous page's `nextBefore`). */
      before: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
    result: z.object({
      entries: z.array(
        z.object({
          seq: z.number().int().positive(),
          /** ms since epoch */
          at: z.number(),
          kind: z.string(),
          /** What it is about: an infohash, an address, a fingerprint, a file. */
          subject: z.string(),
          /** One line for people. */
          summary: z.string(),
          details: z.record(z.string(), z.unknown()),
        }),
      ),
      nextBefore: z.number().int().positive().nullable(),
    }),
  },
  /** A report other clients import (P2P, DAT) or tools read (JSON, CSV). */
  'bans.export': {
    args: z.strictObject({
      format: z.enum(REPORT_FORMATS),
      pseudonymise: z.boolean().optional(),
      /** Sign with the user's secret key file, picked in the browser; used once, never stored. */
      signingKey: uploadedFile(MAX_KEY_FILE_BASE64).optional(),
    }),
    result: BanReportSchema,
  },
  /**
   * Ban every range of a blocklist file the user picked (P2P, DAT, CIDR, plain addresses, gzip
   * too); open connections to listed addresses close at once. Malformed lines are counted.
   */
  'bans.import': {
    args: uploadedFile(MAX_TORRENT_FILE_BASE64).extend({
      /** Import the entries that would otherwise be refused (too wide, loopback, own address). */
      force: z.boolean().optional(),
    }),
    result: BlocklistImportSchema,
  },

  'feeds.list': { args: noArgs, result: z.array(FeedViewSchema) },
  /** Read a pasted feed magnet: its key's fingerprint, and whether that key is pinned yet. */
  'feeds.describe': { args: z.strictObject({ magnet: feedMagnet }), result: FeedDescriptionSchema },
  /** Follow a feed; refused (with the key) until its key is pinned. */
  'feeds.follow': {
    args: z.strictObject({ magnet: feedMagnet, notifyOnly: z.boolean().optional() }),
    result: FeedViewSchema,
  },
  'feeds.remove': {
    args: z.strictObject({ id: z.string().regex(/^[0-9a-f]{40}$/) }),
    result: FeedViewSchema,
  },

  'subscriptions.list': { args: noArgs, result: z.array(SubscriptionViewSchema) },
  /** Subscribe to a blocklist URL (http/https) and fetch it now; `vouch serve` fetches it again when due. */
  'subscriptions.add': {
    args: z.strictObject({
      url: z.string().trim().min(1).max(2000),
      everyMs: z
        .number()
        .int()
        .min(10_000)
        .max(30 * 86_400_000)
        .optional(),
    }),
    result: SubscriptionViewSchema,
  },
  /** Stop following a blocklist and lift the bans it imported. */
  'subscriptions.remove': {
    args: z.strictObject({ url: z.string().trim().min(1).max(2000) }),
    result: z.object({ removed: z.boolean(), lifted: z.number().int().nonnegative() }),
  },

  /** The ban rules file (HOME/rules.json), or the defaults. */
  'rules.get': { args: noArgs, result: RulesViewSchema },
  /** Validate and save rules.json; the running engine applies it to new connections at once. */
  'rules.set': {
    args: z.strictObject({ text: z.string().min(1).max(MAX_RULES_TEXT) }),
    result: RulesViewSchema,
  },
  /** Dry run: which recorded peers these rules (default: the saved ones) would have banned, and why. */
  'rules.test': {
    args: z.strictObject({ text: z.string().min(1).max(MAX_RULES_TEXT).optional() }),
    result: DryRunSchema,
  },
} as const

/** Every event the UI can receive. */
export const EVENTS = {
  /** A torrent's numbers changed (sent about once a second per active torrent). */
  'torrent.updated': TorrentViewSchema,
  'torrent.removed': z.object({ infoHash }),
  'torrent.done': z.object({ infoHash, name: z.string() }),
  /** A torrent added outside the UI (magnet: link, command line) was refused. */
  'torrent.refused': RefusalSchema,
  /** Something the user should see: a recoverable warning or a failure. */
  notice: z.object({
    level: z.enum(['warning', 'error']),
    infoHash: infoHash.nullable(),
    message: z.string(),
  }),
  'stats.sample': StatsSampleSchema,
  /** The defence banned an address. */
  'ban.created': BanViewSchema.extend({ connectionsClosed: z.number().int().nonnegative() }),
  /** Bans were lifted or imported, or the trust store changed: lists should be fetched again. */
  'bans.changed': z.object({}),
  'trust.changed': z.object({}),
  'settings.changed': SettingsSchema,
  /** A followed feed was polled, changed, added or removed: the Feeds screen fetches again. */
  'feeds.changed': z.object({}),
  /** A piece failed its hash check; `bytes` (the piece's length) were thrown away. */
  'torrent.hashFailed': z.object({
    infoHash,
    piece: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
  /** An entry was committed to the hash-chained audit log (bans, lifts, imports, provenance, trust). */
  'audit.recorded': AuditEntrySchema,
} as const

export type CommandName = keyof typeof COMMANDS
export type EventName = keyof typeof EVENTS

/** Command names as keys of one type; arguments and results come from the schemas above. */
export type Commands = {
  [K in CommandName]: {
    /** What a caller sends (optional fields may be left out). */
    args: z.input<(typeof COMMANDS)[K]['args']>
    /** What a handler receives after validation. */
    parsedArgs: z.output<(typeof COMMANDS)[K]['args']>
    result: z.output<(typeof COMMANDS)[K]['result']>
  }
}
export type CommandArgs<K extends CommandName> = Commands[K]['args']
export type CommandResult<K extends CommandName> = Commands[K]['result']
export type Events = { [K in EventName]: z.output<(typeof EVENTS)[K]> }

export type ApiError = z.output<typeof ApiErrorSchema>
export type TorrentView = z.output<typeof TorrentViewSchema>
export type TorrentState = (typeof TORRENT_STATES)[number]
export type TorrentDetailsView = z.output<typeof TorrentDetailsSchema>
export type TorrentLimits = z.output<typeof TorrentLimitsSchema>
export type Settings = z.output<typeof SettingsSchema>
export type AppStatus = z.output<typeof AppStatusSchema>
export type FilePriorityName = (typeof FILE_PRIORITIES)[number]
export type Provenance = z.output<typeof ProvenanceSchema>
export type Refusal = z.output<typeof RefusalSchema>
export type AddResult = z.output<typeof AddResultSchema>
export type StatsSample = z.output<typeof StatsSampleSchema>
export type AppInfo = z.output<typeof AppInfoSchema>
export type PublisherView = z.output<typeof PublisherViewSchema>
export type TrustGroupView = z.output<typeof TrustGroupViewSchema>
export type RotationPreview = z.output<typeof RotationPreviewSchema>
export type PeerView = z.output<typeof PeerViewSchema>
export type BanView = z.output<typeof BanViewSchema>
export type BanReport = z.output<typeof BanReportSchema>
export type BlocklistImport = z.output<typeof BlocklistImportSchema>
export type OfferResult = z.output<typeof OfferResultSchema>
export type FeedView = z.output<typeof FeedViewSchema>
export type FeedDescription = z.output<typeof FeedDescriptionSchema>
export type AuditEntry = z.output<typeof AuditEntrySchema>
export type RulesView = z.output<typeof RulesViewSchema>
export type DryRun = z.output<typeof DryRunSchema>
export type SubscriptionView = z.output<typeof SubscriptionViewSchema>
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** A command as it travels: `id` pairs the response with its request (WebSocket only). */
export const CommandMessageSchema = z.strictObject({
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  command: z.string().min(1).max(100),
  args: z.unknown().optional(),
})
export type CommandMessage = z.input<typeof CommandMessageSchema>

export type CommandResponse<K extends CommandName = CommandName> =
  { id?: number; ok: true; result: CommandResult<K> } | { id?: number; ok: false; error: ApiError }

export type EventMessage = { [K in EventName]: { event: K; payload: Events[K] } }[EventName]

/** What the Electron preload exposes as `window.vouch`: nothing but the contract's two verbs. */
export interface VouchBridge {
  command(message: CommandMessage): Promise<CommandResponse>
  /** The desktop shell's own commands (DESKTOP_COMMANDS); absent in the web UI. */
  desktop?(message: CommandMessage): Promise<DesktopResponse>
  /** Returns a function that stops listening. */
  onEvent(listener: (message: EventMessage) => void): () => void
}

/** invoke channel of the desktop shell's own commands, which `vouch serve` does not have. */
export const DESKTOP_CHANNEL = 'vouch:desktop'

/** Commands only the Electron main process answers (electron/desktop-commands.ts). */
export const DESKTOP_COMMANDS = {
  /**
   * Show the torrent's data (its file, or its folder) in the system's file manager. The renderer
   * names the torrent, never a path: the main process resolves it under the torrent's save path.
   */
  'desktop.revealTorrent': {
    args: z.strictObject({ infoHash }),
    result: z.object({ path: z.string() }),
  },
} as const

export type DesktopCommandName = keyof typeof DESKTOP_COMMANDS
export type DesktopResponse =
  | { id?: number; ok: true; result: z.output<(typeof DESKTOP_COMMANDS)[DesktopCommandName]['result']> }
  | { id?: number; ok: false; error: ApiError }
