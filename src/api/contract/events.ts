/**
 * Every event the UI can receive, each with its payload's schema: the other half of the boundary
 * beside contract.ts' command map, kept in its own file so the command map reads alone. Part of
 * src/api/contract.ts, which re-exports it.
 */
import { z } from 'zod'
import { AuditEntrySchema } from './audit.ts'
import { BanViewSchema } from './bans.ts'
import { SettingsSchema, StatsSampleSchema } from './app.ts'
import { infoHash } from './fields.ts'
import { RefusalSchema, TorrentViewSchema } from './torrents.ts'

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
