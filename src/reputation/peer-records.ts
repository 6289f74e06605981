/**
 * Per-peer counters. Calls from the download path only add to an in-memory delta per host; the
 * store writes all deltas in its next batch as one upsert each, so a block received costs a map
 * lookup, not a database write.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { addressKey } from '../defence/address.ts'
import { decayedScore, scoreDelta } from './scores.ts'

/** What the defence layer reports about a peer after pieces verify or fail. */
export interface Contribution {
  /** Bytes in blocks of pieces that verified. */
  bytesGood?: number
  /** Bytes in blocks that failed (attributed to this peer). */
  bytesBad?: number
  piecesGood?: number
  piecesBad?: number
  strikes?: number
  /** Hex peer ID from the handshake. */
  peerId?: string
  /** Client name (extended handshake `v`). */
  client?: string
}

export interface PeerRecord {
  address: string
  peerIds: string[]
  clients: string[]
  firstSeen: number
  lastSeen: number
  bytesUp: number
  bytesDown: number
  bytesBad: number
  piecesGood: number
  piecesBad: number
  strikes: number
  /** Decayed to the time of reading. */
  score: number
}

/** How many distinct peer IDs and client names a record keeps (a sybil can mint millions). */
export const MAX_NAMES_PER_PEER = 16

/** What the next batch adds to a peer's row: its counters, without the key and the decayed score. */
type PeerDelta = Omit<PeerRecord, 'address' | 'score'>

function emptyDelta(now: number): PeerDelta {
  return {
    firstSeen: now,
    lastSeen: now,
    peerIds: [],
    clients: [],
    bytesUp: 0,
    bytesDown: 0,
    bytesBad: 0,
    piecesGood: 0,
    piecesBad: 0,
    strikes: 0,
  }
}

function remember(list: string[], value: string | undefined): void {
  if (!value || list.includes(value)) return
  list.push(value.slice(0, 128))
  if (list.length > MAX_NAMES_PER_PEER) list.shift()
}

export class PendingPeers {
  #deltas = new Map<string, PeerDelta>()

  get size(): number {
    return this.#deltas.size
  }

  #delta(address: string, now: number): PeerDelta {
    const key = addressKey(address)
    let delta = this.#deltas.get(key)
    if (!delta) {
      delta = emptyDelta(now)
      this.#deltas.set(key, delta)
    }
    delta.lastSeen = now
    return delta
  }

  contribution(address: string, change: Contribution, now: number): void {
    const delta = this.#delta(address, now)
    delta.bytesDown += (change.bytesGood ?? 0) + (change.bytesBad ?? 0)
    delta.bytesBad += change.bytesBad ?? 0
    delta.piecesGood += change.piecesGood ?? 0
    delta.piecesBad += change.piecesBad ?? 0
    delta.strikes += change.strikes ?? 0
    remember(delta.peerIds, change.peerId)
    remember(delta.clients, change.client)
  }

  upload(address: string, bytes: number, now: number): void {
    this.#delta(address, now).bytesUp += bytes
  }

  /** Take every pending delta (the caller writes them, or puts them back with `restore`). */
  drain(): Map<string, PeerDelta> {
    const deltas = this.#deltas
    this.#deltas = new Map()
    return deltas
  }

  /** Put back deltas whose write failed, ahead of anything recorded since. */
  restore(deltas: Map<string, PeerDelta>): void {
    for (const [key, newer] of this.#deltas) {
      const older = deltas.get(key)
      if (!older) {
        deltas.set(key, newer)
        continue
      }
      older.lastSeen = newer.lastSeen
      for (const field of ['bytesUp', 'bytesDown', 'bytesBad', 'piecesGood', 'piecesBad', 'strikes'] as const)
        older[field] += newer[field]
      for (const id of newer.peerIds) remember(older.peerIds, id)
      for (const client of newer.clients) remember(older.clients, client)
    }
    this.#deltas = deltas
  }
}

function mergeNames(stored: string, added: string): string {
  const list = JSON.parse(stored) as string[]
  for (const name of JSON.parse(added) as string[]) remember(list, name)
  return JSON.stringify(list)
}

/** Register the SQL functions the upsert uses and prepare it. */
export function preparePeerWrites(db: DatabaseSync): (key: string, delta: PeerDelta, now: number) => void {
  db.function('vouch_merge_names', { deterministic: true }, (stored, added) =>
    mergeNames(String(stored), String(added)),
  )
  db.function('vouch_decay', { deterministic: true }, (score, since, now) =>
    decayedScore(Number(score), Number(since), Number(now)),
  )
  const upsert: StatementSync = db.prepare(`
    INSERT INTO peers (address, peer_ids, clients, first_seen, last_seen, bytes_up, bytes_down, bytes_bad,
                       pieces_good, pieces_bad, strikes, score, score_at)
    VALUES ($address, $peerIds, $clients, $firstSeen, $lastSeen, $bytesUp, $bytesDown, $bytesBad,
            $piecesGood, $piecesBad, $strikes, $score, $now)
    ON CONFLICT (address) DO UPDATE SET
      peer_ids = vouch_merge_names(peer_ids, excluded.peer_ids),
      clients = vouch_merge_names(clients, excluded.clients),
      last_seen = max(last_seen, excluded.last_seen),
      bytes_up = bytes_up + excluded.bytes_up,
      bytes_down = bytes_down + excluded.bytes_down,
      bytes_bad = bytes_bad + excluded.bytes_bad,
      pieces_good = pieces_good + excluded.pieces_good,
      pieces_bad = pieces_bad + excluded.pieces_bad,
      strikes = strikes + excluded.strikes,
      score = vouch_decay(score, score_at, excluded.score_at) + excluded.score,
      score_at = max(score_at, excluded.score_at)
  `)
  return (key, delta, now) => {
    upsert.run({
      address: key,
      peerIds: JSON.stringify(delta.peerIds),
      clients: JSON.stringify(delta.clients),
      firstSeen: delta.firstSeen,
      lastSeen: delta.lastSeen,
      bytesUp: delta.bytesUp,
      bytesDown: delta.bytesDown,
      bytesBad: delta.bytesBad,
      piecesGood: delta.piecesGood,
      piecesBad: delta.piecesBad,
      strikes: delta.strikes,
      score: scoreDelta(delta),
      now,
    })
  }
}

/** The columns `peerFromRow` reads, in its order. */
const PEER_COLUMNS =
  'address, peer_ids, clients, first_seen, last_seen, bytes_up, bytes_down, bytes_bad, pieces_good, pieces_bad, strikes, score, score_at'

/** A row as an array (`setReturnArrays`): a third of what an object per row allocates. */
type PeerRow = [
  address: string,
  peerIds: string,
  clients: string,
  firstSeen: number,
  lastSeen: number,
  bytesUp: number,
  bytesDown: number,
  bytesBad: number,
  piecesGood: number,
  piecesBad: number,
  strikes: number,
  score: number,
  scoreAt: number,
]

export function readPeers(
  db: DatabaseSync,
  now: number,
  options: { address?: string; limit?: number } = {},
): PeerRecord[] {
  return [...iteratePeers(db, now, options)]
}

/**
 * Peer records one row at a time, most recently seen first (the peers_last_seen index gives the
 * order without a sort), so a listing of a million peers holds one row in memory, not all.
 */
export function* iteratePeers(
  db: DatabaseSync,
  now: number,
  options: { address?: string; limit?: number } = {},
): Generator<PeerRecord> {
  const statement =
    options.address !== undefined
      ? db.prepare(`SELECT ${PEER_COLUMNS} FROM peers WHERE address = ?`)
      : db.prepare(`SELECT ${PEER_COLUMNS} FROM peers ORDER BY last_seen DESC LIMIT ?`)
  statement.setReturnArrays(true)
  const rows = statement.iterate(
    options.address !== undefined ? addressKey(options.address) : (options.limit ?? -1),
  ) as unknown as Iterable<PeerRow>
  for (const row of rows) yield peerFromRow(row, now)
}

function peerFromRow(row: PeerRow, now: number): PeerRecord {
  const [
    address,
    peerIds,
    clients,
    firstSeen,
    lastSeen,
    bytesUp,
    bytesDown,
    bytesBad,
    piecesGood,
    piecesBad,
    strikes,
    score,
    scoreAt,
  ] = row
  return {
    address,
    peerIds: JSON.parse(peerIds) as string[],
    clients: JSON.parse(clients) as string[],
    firstSeen,
    lastSeen,
    bytesUp,
    bytesDown,
    bytesBad,
    piecesGood,
    piecesBad,
    strikes,
    score: decayedScore(score, scoreAt, now),
  }
}
