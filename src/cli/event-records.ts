/**
 * The NDJSON records of `vouch events` (docs/events.md): one schema for entries of the audit log
 * (read from the store, or committed while following a running serve) and for the engine's own
 * events that are not audited (hash failures, done, removed). Bump EVENT_RECORD_VERSION on any
 * change a consumer could notice other than a new `type` or a new field in `details`.
 */
import type { AuditEntry, EventMessage } from '../api/contract.ts'

export const EVENT_RECORD_VERSION = 1

export interface EventRecord {
  version: typeof EVENT_RECORD_VERSION
  /** `audit`: an entry of the hash-chained audit log; `engine`: a live event of a running serve. */
  source: 'audit' | 'engine'
  /** The audit log's sequence number; null for engine events. */
  seq: number | null
  /** ms since epoch */
  at: number
  /** `at` as ISO 8601 (UTC). */
  time: string
  type: string
  /** What it is about: an infohash, an address, a key fingerprint, a file name. */
  subject: string
  details: Record<string, unknown>
}

export function auditRecord(entry: AuditEntry): EventRecord {
  return {
    version: EVENT_RECORD_VERSION,
    source: 'audit',
    seq: entry.seq,
    at: entry.at,
    time: new Date(entry.at).toISOString(),
    type: entry.type,
    subject: entry.subject,
    details: entry.details,
  }
}

function engineRecord(
  type: string,
  subject: string,
  details: Record<string, unknown>,
  at: number,
): EventRecord {
  return {
    version: EVENT_RECORD_VERSION,
    source: 'engine',
    seq: null,
    at,
    time: new Date(at).toISOString(),
    type,
    subject,
    details,
  }
}

/**
 * The record of one live API event, or null for events that are not part of the stream: numbers
 * that change every second (torrent.updated, stats.sample), list-refresh hints, and events whose
 * substance the audit log already carries (ban.created, torrent.refused arrive as audit entries).
 */
export function liveRecord(message: EventMessage, at: number): EventRecord | null {
  switch (message.event) {
    case 'audit.recorded':
      return auditRecord(message.payload)
    case 'torrent.hashFailed': {
      const { infoHash, ...details } = message.payload
      return engineRecord('torrent.hash-failed', infoHash, details, at)
    }
    case 'torrent.done':
      return engineRecord('torrent.done', message.payload.infoHash, { name: message.payload.name }, at)
    case 'torrent.removed':
      return engineRecord('torrent.removed', message.payload.infoHash, {}, at)
    case 'settings.changed':
      return engineRecord('settings.changed', '', message.payload, at)
    case 'notice':
      if (message.payload.level !== 'error') return null
      return engineRecord('error', message.payload.infoHash ?? '', { message: message.payload.message }, at)
    case 'torrent.updated':
    case 'torrent.refused':
    case 'stats.sample':
    case 'ban.created':
    case 'bans.changed':
    case 'trust.changed':
    case 'feeds.changed': // feed updates (followed, new release, refused item) arrive as audit entries
      return null
    default: {
      // A new API event must be placed in the stream or left out here, on purpose.
      const unmapped: never = message
      return unmapped
    }
  }
}

/** `--since`: an ISO 8601 date or time, or a duration ago (`90s`, `15m`, `2h`, `7d`). Null if neither. */
export function parseSince(text: string, now: number): number | null {
  const duration = /^(\d{1,9})([smhd])$/.exec(text.trim())
  if (duration) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd']
    return now - Number(duration[1]) * unit
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return null
  const at = Date.parse(text)
  return Number.isFinite(at) ? at : null
}
