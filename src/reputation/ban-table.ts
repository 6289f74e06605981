/**
 * The store's bans, answered from SQLite by index instead of from a copy of every active ban made
 * when the store opens: opening a store of 100k bans reads none of them, and a check costs
 * O(log n) per span class present (migration 006 and ban-index.ts `spanClass`): an interval of
 * class k that covers point p starts in [p − 2^k + 1, p], one index range scan on
 * (span_class, range_first). Single IPv4 addresses are class 0 (an exact lookup), IPv6 /64 keys
 * class 64, imported ranges whatever their width; the classes present are few and read once, by a
 * skip-scan of that index.
 *
 * The store batches its writes, so bans it has queued but not written yet live in a BanIndex here,
 * and queued lifts hide the written bans they will lift: every answer is what the file will say
 * once the queue is written (`written()` drops the overlay then). Answers for an address are kept
 * in a bounded cache until the next add or lift, because the download path asks on every request.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { addressKey } from '../defence/address.ts'
import type { Ban } from '../defence/ban-store.ts'
import { BanIndex, banPlacement, isActive, longestLasting, lookupOrdinal, ordinalBytes } from './ban-index.ts'
import { BAN_COLUMNS, banFromRow, type BanRow } from './batch-writer.ts'

/** Addresses whose answer is remembered (the download path asks about the same few peers over and over). */
const CACHE_LIMIT = 4096

interface CachedAnswer {
  ban: Ban | undefined
  /** The `now` it was computed for: valid later (until an add or lift), not earlier. */
  at: number
}

const ACTIVE = 'lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)'

/** The lookup per span class: `now`, class, lowest start, point, point (exported for its query plan test). */
export const LOOKUP_SQL = `SELECT ${BAN_COLUMNS} FROM bans INDEXED BY bans_span WHERE ${ACTIVE} AND span_class = ? AND range_first BETWEEN ? AND ?
  AND range_last >= ? ORDER BY id`

/** The span classes present, by skip-scan of the index: one seek per class. */
export const SPAN_CLASSES_SQL = `WITH RECURSIVE classes (k) AS (
    SELECT MIN(span_class) FROM bans INDEXED BY bans_span WHERE lifted_at IS NULL
    UNION ALL
    SELECT (SELECT MIN(span_class) FROM bans INDEXED BY bans_span WHERE lifted_at IS NULL AND span_class > k)
    FROM classes WHERE k IS NOT NULL
  )
  SELECT k FROM classes WHERE k IS NOT NULL`

export class BanTable {
  readonly #inClass: StatementSync
  readonly #byText: StatementSync
  readonly #classesPresent: StatementSync
  readonly #priorCount: StatementSync
  readonly #activeOn: StatementSync
  readonly #active: StatementSync
  readonly #activeCount: StatementSync
  #pending = new BanIndex()
  readonly #pendingLifts = new Set<string>()
  readonly #pendingPrior = new Map<string, number>()
  /** Span classes of bans in the file, read at the first lookup; undefined until then. */
  #classes: Set<number> | undefined
  /** Span classes of bans added since the store opened (the file may not hold them yet). */
  readonly #addedClasses = new Set<number>()
  readonly #cache = new Map<string, CachedAnswer>()

  constructor(db: DatabaseSync) {
    this.#inClass = db.prepare(LOOKUP_SQL)
    this.#byText = db.prepare(
      `SELECT ${BAN_COLUMNS} FROM bans WHERE ${ACTIVE} AND span_class IS NULL AND address = ? AND range_end IS NULL ORDER BY id`,
    )
    this.#classesPresent = db.prepare(SPAN_CLASSES_SQL)
    this.#priorCount = db.prepare('SELECT COUNT(*) AS n FROM bans WHERE address = ? AND range_end IS NULL')
    this.#activeOn = db.prepare(
      `SELECT address, COUNT(*) AS n FROM bans WHERE ${ACTIVE} AND address IN (?, ?) GROUP BY address`,
    )
    this.#active = db.prepare(
      `SELECT ${BAN_COLUMNS} FROM bans INDEXED BY bans_created WHERE ${ACTIVE} ORDER BY created_at`,
    )
    this.#activeCount = db.prepare(`SELECT COUNT(*) AS n FROM bans INDEXED BY bans_created WHERE ${ACTIVE}`)
    for (const statement of [this.#inClass, this.#byText, this.#active]) statement.setReturnArrays(true)
  }

  /** The active ban covering `address` that lasts longest, if any. */
  find(address: string, now: number): Ban | undefined {
    const cached = this.#cache.get(address)
    if (cached && now >= cached.at && (cached.ban === undefined || isActive(cached.ban, now)))
      return cached.ban
    const ban = longestLasting([...this.#written(address, now), ...this.#queued(address, now)], now)
    if (this.#cache.size >= CACHE_LIMIT) {
      const oldest = this.#cache.keys().next()
      if (!oldest.done) this.#cache.delete(oldest.value)
    }
    this.#cache.set(address, { ban, at: now })
    return ban
  }

  /** A ban queued for writing (by the store's add or import). */
  added(ban: Ban): void {
    this.#pending.add(ban)
    if (ban.rangeEnd === null)
      this.#pendingPrior.set(ban.address, (this.#pendingPrior.get(ban.address) ?? 0) + 1)
    const placement = banPlacement(ban)
    if (placement) {
      this.#addedClasses.add(placement.spanClass)
      this.#classes?.add(placement.spanClass)
    }
    this.#cache.clear()
  }

  /** A lift of every ban filed under `address` (or its key) queued; returns how many active bans it lifts. */
  lifted(address: string, key: string, now: number): number {
    let lifted = this.#pending.remove(address).filter((ban) => isActive(ban, now)).length
    for (const row of this.#activeOn.all(now, address, key) as { address: string; n: number }[])
      if (!this.#pendingLifts.has(row.address)) lifted += row.n
    this.#pendingLifts.add(address)
    this.#pendingLifts.add(key)
    this.#cache.clear()
    return lifted
  }

  /** The queue was written: the file now says what the overlay said. */
  written(): void {
    this.#pending = new BanIndex()
    this.#pendingLifts.clear()
    this.#pendingPrior.clear()
  }

  /** Whether queued bans or lifts are not in the file yet. */
  get hasQueued(): boolean {
    return this.#pending.size > 0 || this.#pendingLifts.size > 0
  }

  /** How many times `key` was banned, lifted and expired bans included. */
  priorBans(key: string): number {
    const row = this.#priorCount.get(key) as { n: number } | undefined
    return (row?.n ?? 0) + (this.#pendingPrior.get(key) ?? 0)
  }

  /** Active bans, oldest first. */
  list(now: number): Ban[] {
    const bans = this.hasQueued
      ? [...this.iterateWritten(now)].filter((ban) => !this.#pendingLifts.has(ban.address))
      : [...this.iterateWritten(now)]
    if (this.#pending.size === 0) return bans
    const queued = this.#pending.all().filter((ban) => isActive(ban, now))
    return [...bans, ...queued].sort((a, b) => a.createdAt - b.createdAt)
  }

  /** Active bans in the file, oldest first, one row at a time (the caller writes the queue first). */
  *iterateWritten(now: number): Generator<Ban> {
    for (const row of this.#active.iterate(now) as Iterable<BanRow>) yield banFromRow(row)
  }

  /** How many bans are active. */
  activeCount(now: number): number {
    if (this.hasQueued) return this.list(now).length
    return (this.#activeCount.get(now) as { n: number } | undefined)?.n ?? 0
  }

  #written(address: string, now: number): Ban[] {
    const point = lookupOrdinal(address)
    const rows: BanRow[] = []
    if (point === null) {
      // Not an address (a hostname key): only a ban filed under the same text covers it.
      rows.push(...(this.#byText.all(now, addressKey(address)) as unknown as BanRow[]))
    } else {
      const at = ordinalBytes(point)
      for (const k of this.#spanClasses()) {
        const low = ordinalBytes(point - ((1n << BigInt(k)) - 1n))
        rows.push(...(this.#inClass.all(now, k, low, at, at) as unknown as BanRow[]))
      }
    }
    const bans = rows.map(banFromRow)
    return this.#pendingLifts.size ? bans.filter((ban) => !this.#pendingLifts.has(ban.address)) : bans
  }

  #queued(address: string, now: number): Ban[] {
    if (this.#pending.size === 0) return []
    const ban = this.#pending.find(address, now)
    return ban ? [ban] : []
  }

  #spanClasses(): Set<number> {
    if (!this.#classes) {
      const rows = this.#classesPresent.all() as { k: number }[]
      this.#classes = new Set([...rows.map((row) => row.k), ...this.#addedClasses])
    }
    return this.#classes
  }
}
