/**
 * The reputation store: peers, bans and the audit log in one SQLite file (HOME/vouch.db, WAL).
 *
 * Opening reads no bans: `banFor` looks them up by index (ban-table.ts), with the answers the
 * download path asks for over and over kept in memory. Writes go into a queue that is
 * written in one transaction every `flushIntervalMs` (100 ms), as soon as `maxBatch` items wait,
 * and on `close()`; a write is durable once a commit listener has seen it. Items are written in
 * call order, so a ban and the audit event its caller records right after it land together.
 *
 * It implements defence's `BanStore` (defence records `ban.created` / `ban.lifted` itself through
 * the `AuditSink`, which this store also implements, for provenance decisions too). Imports audit
 * themselves: one `ban.imported` event per file, not one per range.
 */
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { AuditEvent, AuditSink } from '../audit.ts'
import { addressKey } from '../defence/address.ts'
import type { Ban, BanStore } from '../defence/ban-store.ts'
import { VouchError } from '../errors.ts'
import { makePrivateDir, makePrivateFiles } from '../private-files.ts'
import { canonicalJson } from './audit-chain.ts'
import { BanTable } from './ban-table.ts'
import { formatIp, type IpAddress } from './ip.ts'
import { migrate } from './migrations/index.ts'
import { banSubject, BatchWriter, type QueuedItem } from './batch-writer.ts'
import { iteratePeers, PendingPeers, readPeers, type Contribution, type PeerRecord } from './peer-records.ts'

export const STORE_FILE = 'vouch.db'

export interface ReputationStoreOptions {
  /** Write queued items at least this often. Default 100 ms. */
  flushIntervalMs?: number
  /** Write as soon as this many items wait. Default 500. */
  maxBatch?: number
  /** Clock, for tests of expiry and decay. */
  now?: () => number
}

/** One range read from a blocklist. */
export interface BlocklistEntry {
  first: IpAddress
  last: IpAddress
  label: string
}

export interface CommitSummary {
  /** Items from the queue (one per call of add, lift, record, importBans) now durable, in call order. */
  items: number
  /** Peers whose counters were written. */
  peers: number
  /** The audit log's last seq after the commit. */
  auditSeq: number
}

export class ReputationStore implements BanStore, AuditSink {
  readonly file: string
  readonly #db: DatabaseSync
  readonly #now: () => number
  readonly #flushIntervalMs: number
  readonly #maxBatch: number
  readonly #bans: BanTable
  readonly #pendingPeers = new PendingPeers()
  #queue: QueuedItem[] = []
  #timer: NodeJS.Timeout | undefined
  #immediate: NodeJS.Immediate | undefined
  #closed = false
  readonly #commitListeners = new Set<(summary: CommitSummary) => void>()
  readonly #banListeners = new Set<(bans: Ban[]) => void>()
  readonly #liftListeners = new Set<(address: string, lifted: number) => void>()
  readonly #errorListeners = new Set<(error: Error) => void>()
  readonly #writer: BatchWriter

  private constructor(file: string, db: DatabaseSync, options: ReputationStoreOptions) {
    this.file = file
    this.#db = db
    this.#now = options.now ?? Date.now
    this.#flushIntervalMs = options.flushIntervalMs ?? 100
    this.#maxBatch = options.maxBatch ?? 500
    this.#writer = new BatchWriter(db)
    this.#bans = new BanTable(db)
  }

  /** Open (creating and migrating as needed) the store at `file`. */
  static open(file: string, options: ReputationStoreOptions = {}): ReputationStore {
    makePrivateDir(path.dirname(file))
    let db: DatabaseSync | undefined
    try {
      db = new DatabaseSync(file, { timeout: 5000 })
      // SQLite gives the -wal and -shm files the database file's mode.
      makePrivateFiles(file, `${file}-wal`, `${file}-shm`)
      db.exec('PRAGMA journal_mode = WAL')
      // With WAL, NORMAL loses nothing when the process dies; only an OS crash can drop the last commits.
      db.exec('PRAGMA synchronous = NORMAL')
      migrate(db)
      return new ReputationStore(file, db, options)
    } catch (error) {
      db?.close()
      if (error instanceof VouchError) throw error
      throw new VouchError(
        'bad-input',
        `cannot open the reputation store ${file}: ${(error as Error).message}`,
        {
          file,
        },
      )
    }
  }

  /** The store of a data directory: HOME/vouch.db. */
  static openInHome(home: string, options: ReputationStoreOptions = {}): ReputationStore {
    return ReputationStore.open(path.join(home, STORE_FILE), options)
  }

  /** For read-only queries by the CLI and the audit log module. */
  get database(): DatabaseSync {
    return this.#db
  }

  // BanStore

  banFor(address: string, now: number = this.#now()): Ban | undefined {
    return this.#bans.find(address, now)
  }

  add(ban: Ban): void {
    this.#assertOpen()
    const stored: Ban = { ...ban, address: ban.rangeEnd === null ? addressKey(ban.address) : ban.address }
    this.#bans.added(stored)
    this.#enqueue({ kind: 'ban', ban: stored })
    this.#emitBans([stored])
  }

  lift(address: string): number {
    this.#assertOpen()
    const key = addressKey(address)
    const now = this.#now()
    const lifted = this.#bans.lifted(address.trim(), key, now)
    this.#enqueue({ kind: 'lift', address: address.trim(), key, at: now })
    if (lifted > 0) for (const listener of this.#liftListeners) listener(address.trim(), lifted)
    return lifted
  }

  list(now: number = this.#now()): Ban[] {
    return this.#bans.list(now)
  }

  /** How many bans are active (without building them). */
  activeBanCount(now: number = this.#now()): number {
    return this.#bans.activeCount(now)
  }

  /** The same bans as `list`, oldest first, one row at a time (queued bans are written first). */
  iterateBans(now: number = this.#now()): Generator<Ban> {
    if (!this.#closed) this.flush()
    return this.#bans.iterateWritten(now)
  }

  priorBans(address: string): number {
    return this.#bans.priorBans(addressKey(address))
  }

  /**
   * Ban every range of a blocklist (source `imported`) and audit the import as one event. Ranges
   * already banned are skipped. Returns the new bans; listeners (the engine plugin) disconnect
   * peers they cover at once.
   */
  importBans(
    entries: readonly BlocklistEntry[],
    options: { subject: string; details?: Record<string, unknown>; expiresAt?: number | null },
  ): Ban[] {
    this.#assertOpen()
    const now = this.#now()
    const existing = new Set(this.list(now).map((ban) => banSubject(ban)))
    const bans: Ban[] = []
    for (const entry of entries) {
      const single = entry.first.family === 4 && entry.first.value === entry.last.value
      const ban: Ban = {
        address: formatIp(entry.first),
        rangeEnd: single ? null : formatIp(entry.last),
        reason: 'imported',
        source: 'imported',
        evidence: null,
        note: entry.label,
        createdAt: now,
        expiresAt: options.expiresAt ?? null,
      }
      const subject = banSubject(ban)
      if (existing.has(subject)) continue
      existing.add(subject)
      bans.push(ban)
      this.#bans.added(ban)
    }
    const details = canonicalJson({
      ...options.details,
      added: bans.length,
      skipped: entries.length - bans.length,
    })
    this.#enqueue({ kind: 'import', bans, subject: options.subject, details, at: now })
    if (bans.length) this.#emitBans(bans)
    return bans
  }

  // AuditSink

  record(event: AuditEvent): void {
    this.#assertOpen()
    this.#enqueue({
      kind: 'audit',
      type: event.type,
      subject: event.subject,
      details: canonicalJson(event.details),
      at: this.#now(),
    })
  }

  // Peers

  recordContribution(address: string, contribution: Contribution): void {
    if (this.#closed) return
    this.#pendingPeers.contribution(address, contribution, this.#now())
    this.#scheduleFlush(this.#queue.length + this.#pendingPeers.size)
  }

  recordUpload(address: string, bytes: number): void {
    if (this.#closed) return
    this.#pendingPeers.upload(address, bytes, this.#now())
    this.#scheduleFlush(this.#queue.length + this.#pendingPeers.size)
  }

  /** Peer records, most recently seen first (pending counters are written first). */
  peers(options: { address?: string; limit?: number } = {}): PeerRecord[] {
    if (!this.#closed) this.flush()
    return readPeers(this.#db, this.#now(), options)
  }

  /** The same records as `peers`, one at a time (for listings that stream). */
  iteratePeers(options: { limit?: number } = {}): Generator<PeerRecord> {
    if (!this.#closed) this.flush()
    return iteratePeers(this.#db, this.#now(), options)
  }

  // Listeners

  /** Called after every commit; the items it counts are durable. Returns an unsubscribe function. */
  onCommit(listener: (summary: CommitSummary) => void): () => void {
    this.#commitListeners.add(listener)
    return () => this.#commitListeners.delete(listener)
  }

  /** Called when bans are added (by defence, the user or an import), before they are written. */
  onBansAdded(listener: (bans: Ban[]) => void): () => void {
    this.#banListeners.add(listener)
    return () => this.#banListeners.delete(listener)
  }

  /** Called when active bans on an address are lifted (the ban hooks). Returns an unsubscribe function. */
  onLifted(listener: (address: string, lifted: number) => void): () => void {
    this.#liftListeners.add(listener)
    return () => this.#liftListeners.delete(listener)
  }

  /** Background write failures (the items stay queued and are retried). Without a listener: stderr. */
  onError(listener: (error: Error) => void): () => void {
    this.#errorListeners.add(listener)
    return () => this.#errorListeners.delete(listener)
  }

  // Writing

  #enqueue(item: QueuedItem): void {
    this.#queue.push(item)
    this.#scheduleFlush(this.#queue.length + this.#pendingPeers.size)
  }

  #scheduleFlush(waiting: number): void {
    if (waiting >= this.#maxBatch * 8) {
      // The writer is outrunning the timer: write now rather than let memory grow without bound.
      this.flush()
      return
    }
    if (waiting >= this.#maxBatch && !this.#immediate) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined
        this.#flushInBackground()
      })
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.#flushInBackground()
    }, this.#flushIntervalMs)
  }

  #flushInBackground(): void {
    try {
      this.flush()
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error))
      if (this.#errorListeners.size === 0)
        process.stderr.write(`vouch: reputation store: ${failure.message}\n`)
      for (const listener of this.#errorListeners) listener(failure)
      if (!this.#closed) this.#scheduleFlush(0)
    }
  }

  /** Write everything queued now, in one transaction. Returns the number of queue items written. */
  flush(): number {
    if (this.#closed) return 0
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#queue.length === 0 && this.#pendingPeers.size === 0) return 0
    const items = this.#queue
    const peers = this.#pendingPeers.drain()
    this.#queue = []
    let auditSeq: number
    try {
      auditSeq = this.#writer.write(items, peers, this.#now())
    } catch (error) {
      this.#queue = [...items, ...this.#queue]
      this.#pendingPeers.restore(peers)
      throw new VouchError('internal', `cannot write to the reputation store: ${(error as Error).message}`)
    }
    if (this.#queue.length === 0) this.#bans.written()
    const summary: CommitSummary = { items: items.length, peers: peers.size, auditSeq }
    for (const listener of this.#commitListeners) listener(summary)
    return items.length
  }

  #emitBans(bans: Ban[]): void {
    for (const listener of this.#banListeners) listener(bans)
  }

  #assertOpen(): void {
    if (this.#closed) throw new VouchError('internal', 'the reputation store is closed')
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Write what is queued and close the database. */
  close(): void {
    if (this.#closed) return
    clearImmediate(this.#immediate)
    this.#immediate = undefined
    try {
      this.flush()
    } finally {
      this.#closed = true
      clearTimeout(this.#timer)
      this.#db.close()
    }
  }
}
