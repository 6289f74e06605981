/** The engine's numbers for each torrent (torrent-state.ts) and the periodic `progress` events. */
import type { Torrent } from 'webtorrent'
import type { TorrentStats } from './events.ts'
import { ProgressChanges } from './progress-changes.ts'
import type { Tracked } from './scheduler.ts'
import { ActivityTracker, statsOf } from './torrent-state.ts'

export class TorrentProgress {
  readonly #tracked: (infoHash: string) => Tracked | undefined
  readonly #activity = new ActivityTracker()
  readonly #changes = new ProgressChanges()

  constructor(tracked: (infoHash: string) => Tracked | undefined) {
    this.#tracked = tracked
  }

  statsOf(torrent: Torrent): TorrentStats {
    const tracked = this.#tracked(torrent.infoHash)
    return statsOf(
      torrent,
      {
        addedAt: tracked?.addedAt ?? Date.now(),
        paused: tracked?.paused ?? torrent.paused,
        queued: tracked?.queued ?? false,
      },
      this.#activity,
    )
  }

  forget(infoHash: string): void {
    this.#activity.forget(infoHash)
  }

  /** Progress of the torrents whose state changed (progress-changes.ts), not of every torrent. */
  emitChanged(torrents: readonly Torrent[], emit: (stats: TorrentStats) => void, now = Date.now()): void {
    for (const torrent of torrents) {
      if (torrent.ready && !torrent.destroyed && this.#changes.due(torrent, now)) emit(this.statsOf(torrent))
    }
  }
}
