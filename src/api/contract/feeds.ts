/**
 * The contract's publisher feeds (BEP 46): a followed feed as the Feeds screen shows it, and a
 * feed magnet read before following it. Part of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'

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

export type FeedView = z.output<typeof FeedViewSchema>
export type FeedDescription = z.output<typeof FeedDescriptionSchema>
