/** The engine's numbers for each torrent (torrent-state.ts) and the periodic `progress` events. */
import type { Torrent } from 'webtorrent'
import type { TorrentStats } from './events.ts'
import { ProgressChanges } from './progress-changes.ts'
import type { Tracked } from './scheduler.ts'
import { ActivityTracker, IDLE_AFTER_MS, statsOf, type TorrentFacts } from './torrent-state.ts'

/** What a torrent's numbers depend on, read cheaply: while none of it moves, neither do they. */
interface Snapshot {
  received: number
  uploaded: number
  numPeers: number
  done: boolean
  ready: boolean
  length: number
  name: string | undefined
  path: string
  facts: TorrentFacts
  /** When received or uploaded was last seen to move (-Infinity: never since first seen). */
  movedAt: number
  /** When `stats` were read. */
  readAt: number
  stats: TorrentStats
}

export class TorrentProgress {
  readonly #tracked: (infoHash: string) => Tracked | undefined
  readonly #activity = new ActivityTracker()
  readonly #changes = new ProgressChanges()
  readonly #snapshots = new WeakMap<Torrent, Snapshot>()

  constructor(tracked: (infoHash: string) => Tracked | undefined) {
    this.#tracked = tracked
  }

  /**
   * The torrent's numbers, frozen. statsOf walks every piece (downloaded, progress) and reads the
   * speedometers; `torrents.list` over 2,000 idle torrents did that 2,000 times a call. Time enters
   * the numbers only through the speeds, which are 0 once neither byte counter moved for
   * IDLE_AFTER_MS. So a ready torrent whose cheap counters, metadata and facts are as they were when
   * its numbers were last read, when its byte counters had already been still for IDLE_AFTER_MS,
   * gets the very same object back, which the API's view cache recognises by identity. Anything
   * else that changed (it became ready, a peer left, it was paused) is read afresh once and kept
   * from then on. A torrent still checking its data is always read afresh: its verified bytes grow
   * while nothing else moves.
   */
  statsOf(torrent: Torrent, now = Date.now()): TorrentStats {
    const tracked = this.#tracked(torrent.infoHash)
    const facts: TorrentFacts = {
      addedAt: tracked?.addedAt ?? now,
      paused: tracked?.paused ?? torrent.paused,
      queued: tracked?.queued ?? false,
    }
    const { received, uploaded, numPeers, done, ready, path } = torrent
    const length = torrent.length ?? 0
    const name = torrent.name
    const last = this.#snapshots.get(torrent)
    const same =
      last !== undefined &&
      last.received === received &&
      last.uploaded === uploaded &&
      last.numPeers === numPeers &&
      last.done === done &&
      last.ready === ready &&
      last.length === length &&
      last.name === name &&
      last.path === path &&
      last.facts.addedAt === facts.addedAt &&
      last.facts.paused === facts.paused &&
      last.facts.queued === facts.queued
    if (same && ready && last.readAt - last.movedAt > IDLE_AFTER_MS) return last.stats
    const stats = Object.freeze(statsOf(torrent, facts, this.#activity, now))
    const moved = last !== undefined && (last.received !== received || last.uploaded !== uploaded)
    const movedAt = moved ? now : (last?.movedAt ?? Number.NEGATIVE_INFINITY)
    this.#snapshots.set(torrent, {
      received,
      uploaded,
      numPeers,
      done,
      ready,
      length,
      name,
      path,
      facts,
      movedAt,
      readAt: now,
      stats,
    })
    return stats
  }

  forget(infoHash: string): void {
    this.#activity.forget(infoHash)
  }

  /** Progress of the torrents whose state changed (progress-changes.ts), not of every torrent. */
  emitChanged(torrents: readonly Torrent[], emit: (stats: TorrentStats) => void, now = Date.now()): void {
    for (const torrent of torrents) {
      if (torrent.ready && !torrent.destroyed && this.#changes.due(torrent, now))
        emit(this.statsOf(torrent, now))
    }
  }
}
