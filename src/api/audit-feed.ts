/**
 * Live audit entries for the API's event stream: after every commit of the reputation store, the
 * rows past the last one published are read back and published as `audit.recorded`. Reading the
 * committed rows (not the events as they were queued) gives subscribers exactly what `vouch audit
 * export` and `vouch events` read later, with the same `seq`.
 */
import { auditRows } from '../reputation/audit-log.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { AuditEntry } from './contract.ts'
import type { EventBus } from './dispatcher.ts'

/** The store's last audit seq now (0 for an empty log). */
export function auditHead(store: ReputationStore): number {
  const row = store.database.prepare('SELECT MAX(seq) AS seq FROM audit').get() as
    { seq: number | null } | undefined
  return row?.seq ?? 0
}

/** A parsed audit row. Details are canonical JSON written by the store; a broken one is kept as text. */
export function auditEntry(row: {
  seq: number
  at: number
  type: string
  subject: string
  details: string
}): AuditEntry {
  let details: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(row.details)
    details =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { value: parsed }
  } catch {
    details = { unparsed: row.details }
  }
  return { seq: row.seq, at: row.at, type: row.type, subject: row.subject, details }
}

/** Publish every audit row committed from now on. Returns an unsubscribe function. */
export function feedAuditEntries(store: ReputationStore, events: EventBus): () => void {
  let published = auditHead(store)
  return store.onCommit(({ auditSeq }) => {
    if (auditSeq <= published) return
    for (const row of auditRows(store.database, published + 1)) {
      if (row.seq > auditSeq) break
      events.publish('audit.recorded', auditEntry(row))
    }
    published = auditSeq
  })
}
