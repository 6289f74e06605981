/**
 * The audit log's hash chain (docs/formats.md, "Audit log"). Each event's hash is SHA-256 over
 * `vouch-audit-v1\0` followed by the canonical JSON array `[prevHash, seq, at, type, subject,
 * details]`; the first event's prevHash is 64 zeros. Editing, deleting or reordering any row breaks
 * the chain at that row. Pure functions: the store feeds rows in, verification walks them out.
 */
import { createHash } from 'node:crypto'

export const AUDIT_DOMAIN = 'vouch-audit-v1\0'
export const GENESIS_HASH = '0'.repeat(64)

export interface AuditRow {
  seq: number
  /** ms since epoch */
  at: number
  type: string
  subject: string
  /** Canonical JSON text of the details object. */
  details: string
  prevHash: string
  hash: string
}

/**
 * JSON with object keys sorted at every level and no whitespace, so one value has one encoding.
 * Like JSON.stringify, drops undefined members and writes non-finite numbers as null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key]
    return sorted
  })
}

/** The hash of one event; `details` must already be canonical JSON text. */
export function auditHash(
  prevHash: string,
  seq: number,
  at: number,
  type: string,
  subject: string,
  details: string,
): string {
  const body = `[${JSON.stringify(prevHash)},${seq},${at},${JSON.stringify(type)},${JSON.stringify(subject)},${details}]`
  return createHash('sha256').update(AUDIT_DOMAIN).update(body).digest('hex')
}

export type AuditVerification =
  | { ok: true; events: number; head: { seq: number; hash: string } | null }
  | {
      ok: false
      events: number
      /** The first row that does not check out (or, for a cut-off tail, the last one present). */
      badSeq: number
      problem: 'edited' | 'missing' | 'relinked' | 'truncated'
      message: string
    }

/**
 * Walk rows in seq order. `recordedHead` is the head the store wrote in the same transaction as
 * the last append, which catches a log cut short at the end (the one deletion a chain alone
 * cannot see).
 */
export function verifyAuditRows(
  rows: Iterable<AuditRow>,
  recordedHead: { seq: number; hash: string } | null,
): AuditVerification {
  let expectedSeq = 1
  let prevHash = GENESIS_HASH
  let events = 0
  for (const row of rows) {
    const recomputed = auditHash(row.prevHash, row.seq, row.at, row.type, row.subject, row.details)
    if (recomputed !== row.hash) {
      return fail(
        events,
        row.seq,
        'edited',
        `event #${row.seq} was edited: its hash does not match its contents`,
      )
    }
    if (row.seq !== expectedSeq) {
      return fail(
        events,
        row.seq,
        'missing',
        `event #${expectedSeq} is missing: the log jumps from #${expectedSeq - 1} to #${row.seq}`,
      )
    }
    if (row.prevHash !== prevHash) {
      return fail(
        events,
        row.seq,
        'relinked',
        `event #${row.seq} does not follow #${row.seq - 1}: rows were deleted, replaced or reordered`,
      )
    }
    prevHash = row.hash
    expectedSeq++
    events++
  }
  const last = events === 0 ? null : { seq: expectedSeq - 1, hash: prevHash }
  // The store writes the head in the same transaction as every append: rows without one mean
  // the head row was deleted, the usual companion of cutting the tail.
  if (last && !recordedHead) {
    return fail(
      events,
      last.seq,
      'truncated',
      `the log has ${events} events but no recorded head: the head row was removed, and events after #${last.seq} may have been too`,
    )
  }
  if (recordedHead && (last === null || last.seq !== recordedHead.seq || last.hash !== recordedHead.hash)) {
    const lastSeq = last?.seq ?? 0
    if (lastSeq < recordedHead.seq) {
      return fail(
        events,
        lastSeq + 1,
        'truncated',
        `the log ends at #${lastSeq} but event #${recordedHead.seq} was recorded: events were removed from the end`,
      )
    }
    return fail(
      events,
      Math.min(lastSeq, recordedHead.seq),
      'relinked',
      `the log's last event #${lastSeq} is not the recorded head #${recordedHead.seq}: the tail was rewritten`,
    )
  }
  return { ok: true, events, head: last }
}

function fail(
  events: number,
  badSeq: number,
  problem: 'edited' | 'missing' | 'relinked' | 'truncated',
  message: string,
): AuditVerification {
  return { ok: false, events, badSeq, problem, message }
}
