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

/** One event by its seq, or undefined. */
export function auditEventAt(db: DatabaseSync, seq: number): AuditRow | undefined {
  for (const row of auditRows(db, seq)) return row.seq === seq ? row : undefined
  return undefined
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
