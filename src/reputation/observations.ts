/**
 * Per-address, per-torrent counters of the ban rules (src/rules), kept in `peer_observations`
 * (migration 3) so `vouch rules test` can replay them. The live rules hand over records when a
 * connection closes and on their periodic sweep; they wait in memory (merged per key) and are
 * written in one transaction at most every `flushIntervalMs`, never on the wire event path.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { PeerObservation } from '../rules/judge.ts'

/** Peer IDs and client names kept per row. */
const MAX_NAMES = 16

function mergeNames(into: string[], names: readonly string[]): string[] {
  const merged = [...into]
  for (const name of names) if (!merged.includes(name)) merged.push(name.slice(0, 128))
  return merged.slice(-MAX_NAMES)
}

function merge(old: PeerObservation, next: PeerObservation): PeerObservation {
  return {
    ...next,
    peerIds: mergeNames(old.peerIds, next.peerIds),
    clients: mergeNames(old.clients, next.clients),
    bytesUploaded: old.bytesUploaded + next.bytesUploaded,
    distinctPeerIds: Math.max(old.distinctPeerIds, next.distinctPeerIds),
    requests: Math.max(old.requests, next.requests),
    aheadPieces: Math.max(old.aheadPieces, next.aheadPieces),
    claimedRequests: Math.max(old.claimedRequests, next.claimedRequests),
    rewindPieces: Math.max(old.rewindPieces, next.rewindPieces),
    groupConnections: Math.max(old.groupConnections, next.groupConnections),
    idleMs: Math.max(old.idleMs, next.idleMs),
    firstSeen: Math.min(old.firstSeen, next.firstSeen),
    lastSeen: Math.max(old.lastSeen, next.lastSeen),
  }
}

interface ObservationRow {
  address: string
  info_hash: string
  peer_ids: string
  clients: string
  torrent_length: number
  piece_length: number
  bytes_up: number
  distinct_peer_ids: number
  requests: number
  ahead_pieces: number
  claimed_requests: number
  rewind_pieces: number
  group_connections: number
  idle_ms: number
  first_seen: number
  last_seen: number
}

function fromRow(row: ObservationRow): PeerObservation {
  return {
    address: row.address,
    infoHash: row.info_hash,
    peerIds: JSON.parse(row.peer_ids) as string[],
    clients: JSON.parse(row.clients) as string[],
    torrentLength: row.torrent_length,
    pieceLength: row.piece_length,
    bytesUploaded: row.bytes_up,
    distinctPeerIds: row.distinct_peer_ids,
    requests: row.requests,
    aheadPieces: row.ahead_pieces,
    claimedRequests: row.claimed_requests,
    rewindPieces: row.rewind_pieces,
    groupConnections: row.group_connections,
    idleMs: row.idle_ms,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  }
}

export class ObservationLog {
  readonly #db: DatabaseSync
  readonly #select: StatementSync
  readonly #upsert: StatementSync
  readonly #flushIntervalMs: number
  #pending = new Map<string, PeerObservation>()
  #timer: NodeJS.Timeout | undefined

  constructor(db: DatabaseSync, options: { flushIntervalMs?: number } = {}) {
    this.#db = db
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000
    this.#select = db.prepare('SELECT * FROM peer_observations WHERE address = ? AND info_hash = ?')
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO peer_observations (address, info_hash, peer_ids, clients, torrent_length,
         piece_length, bytes_up, distinct_peer_ids, requests, ahead_pieces, claimed_requests, rewind_pieces,
         group_connections, idle_ms, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
  }

  /** Queue a record; `bytesUploaded` is what was uploaded since the last record of this key. */
  record(observation: PeerObservation): void {
    const key = `${observation.address} ${observation.infoHash}`
    const old = this.#pending.get(key)
    this.#pending.set(key, old ? merge(old, observation) : observation)
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.flush()
    }, this.#flushIntervalMs).unref()
  }

  /** Write what is queued, merged with what the table holds, in one transaction. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.size === 0 || !this.#db.isOpen) return
    const pending = this.#pending
    this.#pending = new Map()
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      for (const next of pending.values()) {
        const row = this.#select.get(next.address, next.infoHash) as ObservationRow | undefined
        const value = row ? merge(fromRow(row), next) : next
        this.#upsert.run(
          value.address,
          value.infoHash,
          JSON.stringify(value.peerIds),
          JSON.stringify(value.clients),
          value.torrentLength,
          value.pieceLength,
          value.bytesUploaded,
          value.distinctPeerIds,
          value.requests,
          value.aheadPieces,
          value.claimedRequests,
          value.rewindPieces,
          value.groupConnections,
          value.idleMs,
          value.firstSeen,
          value.lastSeen,
        )
      }
      this.#db.exec('COMMIT')
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
      for (const [key, value] of pending) if (!this.#pending.has(key)) this.#pending.set(key, value)
      throw error
    }
  }

  /** Every recorded observation, oldest first (a cursor: rows are not all held in memory). */
  *all(): Generator<PeerObservation> {
    this.flush()
    const rows = this.#db.prepare('SELECT * FROM peer_observations ORDER BY first_seen, address').iterate()
    for (const row of rows) yield fromRow(row as unknown as ObservationRow)
  }
}

/** Every peer record's address, peer IDs and client names (a cursor), for the rules' dry run. */
export function* recordedPeers(
  db: DatabaseSync,
): Generator<{ address: string; peerIds: string[]; clients: string[] }> {
  for (const row of db
    .prepare('SELECT address, peer_ids, clients FROM peers ORDER BY first_seen')
    .iterate()) {
    const { address, peer_ids, clients } = row as { address: string; peer_ids: string; clients: string }
    yield { address, peerIds: JSON.parse(peer_ids) as string[], clients: JSON.parse(clients) as string[] }
  }
}
