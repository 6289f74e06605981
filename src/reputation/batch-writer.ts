/**
 * One batch of the store's queue written in one transaction: bans, lifts, audit events (chained to
 * the log's current tail, read inside the transaction so several processes can append), peer
 * counters, and the audit head. All or nothing: on any failure the transaction rolls back and the
 * error is thrown for the store to re-queue the batch.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { Ban } from '../defence/ban-store.ts'
import { assertNever } from '../errors.ts'
import { auditHash, GENESIS_HASH } from './audit-chain.ts'
import { banPlacement } from './ban-index.ts'
import { preparePeerWrites, type PendingPeers } from './peer-records.ts'

export type QueuedItem =
  | { kind: 'ban'; ban: Ban }
  | { kind: 'lift'; address: string; key: string; at: number }
  | { kind: 'audit'; type: string; subject: string; details: string; at: number }
  | { kind: 'import'; bans: Ban[]; subject: string; details: string; at: number }

/**
 * A ban's row as the store reads it: the columns a Ban is made of (not the interval BLOBs, which
 * listings would pay for per row), in this order, as an array (`setReturnArrays`), which
 * allocates a third of what an object per row does.
 */
export const BAN_COLUMNS =
  'address, range_end, reason, source, evidence, rule_evidence, note, created_at, expires_at'

export type BanRow = [
  address: string,
  rangeEnd: string | null,
  reason: Ban['reason'],
  source: Ban['source'],
  evidence: string | null,
  ruleEvidence: string | null,
  note: string,
  createdAt: number,
  expiresAt: number | null,
]

export function banFromRow(row: BanRow): Ban {
  const [address, rangeEnd, reason, source, evidence, ruleEvidence, note, createdAt, expiresAt] = row
  return {
    address,
    rangeEnd,
    reason,
    source,
    evidence: evidence === null ? null : (JSON.parse(evidence) as Ban['evidence']),
    ...(ruleEvidence ? { rule: JSON.parse(ruleEvidence) as NonNullable<Ban['rule']> } : {}),
    note,
    createdAt,
    expiresAt,
  }
}

export function banSubject(ban: Ban): string {
  return ban.rangeEnd === null ? ban.address : `${ban.address}-${ban.rangeEnd}`
}

type PeerDeltas = ReturnType<PendingPeers['drain']>

export class BatchWriter {
  readonly #db: DatabaseSync
  readonly #insertBan: StatementSync
  readonly #liftBans: StatementSync
  readonly #appendAudit: StatementSync
  readonly #auditTail: StatementSync
  readonly #setMeta: StatementSync
  readonly #writePeer: ReturnType<typeof preparePeerWrites>

  constructor(db: DatabaseSync) {
    this.#db = db
    this.#insertBan = db.prepare(
      `INSERT INTO bans (address, range_end, reason, source, evidence, rule_evidence, note, created_at, expires_at,
                         range_first, range_last, span_class)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.#liftBans = db.prepare(
      'UPDATE bans SET lifted_at = ? WHERE lifted_at IS NULL AND (address = ? OR address = ?)',
    )
    this.#appendAudit = db.prepare(
      'INSERT INTO audit (seq, at, type, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    this.#auditTail = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')
    this.#setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    this.#writePeer = preparePeerWrites(db)
  }

  /** Write `items` in order and every peer delta; returns the audit log's last seq. */
  write(items: readonly QueuedItem[], peers: PeerDeltas, now: number): number {
    try {
      this.#db.exec('BEGIN IMMEDIATE')
      const tail = this.#auditTail.get() as { seq: number; hash: string } | undefined
      let seq = tail?.seq ?? 0
      let prevHash = tail?.hash ?? GENESIS_HASH
      const append = (at: number, type: string, subject: string, details: string) => {
        seq++
        const hash = auditHash(prevHash, seq, at, type, subject, details)
        this.#appendAudit.run(seq, at, type, subject, details, prevHash, hash)
        prevHash = hash
      }
      for (const item of items) {
        switch (item.kind) {
          case 'ban':
            this.#ban(item.ban)
            break
          case 'lift':
            this.#liftBans.run(item.at, item.address, item.key)
            break
          case 'audit':
            append(item.at, item.type, item.subject, item.details)
            break
          case 'import':
            for (const ban of item.bans) this.#ban(ban)
            append(item.at, 'ban.imported', item.subject, item.details)
            break
          default:
            assertNever(item, 'queued item')
        }
      }
      for (const [key, delta] of peers) this.#writePeer(key, delta, now)
      if (seq !== (tail?.seq ?? 0)) this.#setMeta.run('audit_head', JSON.stringify({ seq, hash: prevHash }))
      this.#db.exec('COMMIT')
      return seq
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
      throw error
    }
  }

  #ban(ban: Ban): void {
    const placement = banPlacement(ban)
    this.#insertBan.run(
      ban.address,
      ban.rangeEnd,
      ban.reason,
      ban.source,
      ban.evidence === null ? null : JSON.stringify(ban.evidence),
      ban.rule ? JSON.stringify(ban.rule) : null,
      ban.note,
      ban.createdAt,
      ban.expiresAt,
      placement?.rangeFirst ?? null,
      placement?.rangeLast ?? null,
      placement?.spanClass ?? null,
    )
  }
}
