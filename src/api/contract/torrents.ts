/**
 * The contract's torrents: a torrent's row (its state and provenance badge), its details (files,
 * peers, trackers, limits), and what adding one or offering envelopes for a held one answers,
 * refusals included. Part of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'
import { infoHash, nonNegative, rateLimit } from './fields.ts'

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

/** The answer to envelopes offered for a magnet the gate holds. */
export const OfferResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted'), infoHash, publishers: z.array(PublisherSchema).min(1) }),
  z.object({ status: z.literal('refused'), refusal: RefusalSchema }),
])

export type TorrentView = z.output<typeof TorrentViewSchema>
export type TorrentState = (typeof TORRENT_STATES)[number]
export type TorrentDetailsView = z.output<typeof TorrentDetailsSchema>
export type TorrentLimits = z.output<typeof TorrentLimitsSchema>
export type FilePriorityName = (typeof FILE_PRIORITIES)[number]
export type Provenance = z.output<typeof ProvenanceSchema>
export type Refusal = z.output<typeof RefusalSchema>
export type AddResult = z.output<typeof AddResultSchema>
export type OfferResult = z.output<typeof OfferResultSchema>
