/**
 * Reading the audit log back: verification (`vouch audit verify`) and export as JSON lines
 * (`vouch audit export`). Rows are streamed, so a log of millions of events needs no memory.
 */
import type { DatabaseSync } from 'node:sqlite'
import { verifyAuditRows, type AuditRow, type AuditVerification } from './audit-chain.ts'

interface StoredRow {
  seq: number
  at: number
  type: string
  subject: string
  details: string
  prev_hash: string
  hash: string
}

export function* auditRows(db: DatabaseSync, fromSeq = 1): Generator<AuditRow> {
  const statement = db.prepare(
    'SELECT seq, at, type, subject, details, prev_hash, hash FROM audit WHERE seq >= ? ORDER BY seq',
  )
  for (const row of statement.iterate(fromSeq) as Iterable<StoredRow>) {
    yield {
      seq: row.seq,
      at: row.at,
      type: row.type,
      subject: row.subject,
      details: row.details,
      prevHash: row.prev_hash,
      hash: row.hash,
    }
  }
}

export function recordedAuditHead(db: DatabaseSync): { seq: number; hash: string } | null {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'audit_head'").get() as
    { value: string } | undefined
  return row ? (JSON.parse(row.value) as { seq: number; hash: string }) : null
}

export function verifyAuditLog(db: DatabaseSync): AuditVerification {
  return verifyAuditRows(auditRows(db), recordedAuditHead(db))
}

/** One JSON object per line: seq, at (ms since epoch), time (ISO 8601), type, subject, details (object), prevHash, hash. */
export function auditExportLine(row: AuditRow): string {
  return `${JSON.stringify({
    seq: row.seq,
    at: row.at,
    time: new Date(row.at).toISOString(),
    type: row.type,
    subject: row.subject,
    details: JSON.parse(row.details) as unknown,
    prevHash: row.prevHash,
    hash: row.hash,
  })}\n`
}

export interface AuditPage {
  entries: { seq: number; at: number; kind: string; subject: string; details: Record<string, unknown> }[]
  /** Pass as `before` for the next (older) page; null when this page reached the first event. */
  nextBefore: number | null
}

/** The audit log newest first, `limit` events older than `before`, optionally of one kind (type). */
export function auditPage(
  db: DatabaseSync,
  options: { kind?: string; before?: number; limit: number },
): AuditPage {
  const before = options.before ?? Number.MAX_SAFE_INTEGER
  // One more than asked: whether an older page exists, without a second query.
  const rows = (options.kind === undefined
    ? db
        .prepare('SELECT seq, at, type, subject, details FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?')
        .all(before, options.limit + 1)
    : db
        .prepare(
          'SELECT seq, at, type, subject, details FROM audit WHERE type = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
        )
        .all(options.kind, before, options.limit + 1)) as unknown as Pick<
    StoredRow,
    'seq' | 'at' | 'type' | 'subject' | 'details'
  >[]
  const page = rows.slice(0, options.limit)
  return {
    entries: page.map((row) => ({
      seq: row.seq,
      at: row.at,
      kind: row.type,
      subject: row.subject,
      details: JSON.parse(row.details) as Record<string, unknown>,
    })),
    nextBefore: rows.length > options.limit ? (page.at(-1)?.seq ?? null) : null,
  }
}
