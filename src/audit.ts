/**
 * What the tamper-evident audit log receives. Provenance (acceptances, refusals, overrides) and
 * defence (bans, lifts) report through this interface; src/reputation implements it with the
 * hash-chained log in SQLite. Recording must never block the download path: implementations
 * queue and batch.
 */
export type AuditEventType =
  | 'provenance.accepted'
  | 'provenance.refused'
  | 'provenance.override'
  | 'trust.pinned'
  | 'trust.removed'
  | 'trust.revoked'
  | 'trust.rotated'
  | 'ban.created'
  | 'ban.lifted'
  | 'ban.imported'
  | 'feed.followed'
  | 'feed.removed'
  | 'feed.published'
  | 'feed.release'
  | 'feed.release-refused'
  | 'feed.rolled-back'
  | 'feed.item-ignored'
  /** A rule (src/rules) shadow-banned a peer: it stays connected and is never uploaded to. */
  | 'rule.shadowed'
  /** rules.json was replaced (from the UI). */
  | 'rules.changed'
  /** A ban or lift hook of rules.json failed, timed out and was killed, or was dropped. */
  | 'hook.failed'
  /** A followed ban report was applied, refused (other key, altered, older), or pseudonymised. */
  | 'feed.applied'
  | 'feed.refused'
  | 'feed.pseudonymised'

export interface AuditEvent {
  type: AuditEventType
  /** What the event is about: an infohash, a key fingerprint, an address. */
  subject: string
  details: Record<string, unknown>
}

export interface AuditSink {
  record(event: AuditEvent): void
}

/** For contexts without a store (pure unit tests of other layers): keeps events in memory. */
export class MemoryAuditSink implements AuditSink {
  readonly events: (AuditEvent & { at: number })[] = []
  record(event: AuditEvent): void {
    this.events.push({ ...event, at: Date.now() })
  }
}
