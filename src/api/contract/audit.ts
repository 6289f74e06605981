/**
 * The contract's audit log: one committed row of the hash-chained log, as the `audit.recorded`
 * event carries it. Part of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'

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

export type AuditEntry = z.output<typeof AuditEntrySchema>
