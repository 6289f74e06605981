/**
 * Applies the settings that change how running torrents behave: the global rate limits
 * (WebTorrent's throttle groups), the download and seed queue, and the seed ratio and time
 * limits. The engine calls `enforce()` on every progress tick and after every add, pause and resume.
 */
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import type { FilePriority } from './file-priorities.ts'
import { queuedTorrents, seedLimitReached, type QueueLimits, type SeedLimits } from './queue.ts'
import { addPeers, disconnectAll } from './torrent-control.ts'

/** What the engine knows of a torrent beyond WebTorrent's numbers. */
export interface Tracked {
  addedAt: number
  /** Paused by the user (or by a seed limit): kept across restarts. */
  paused: boolean
  /** Waiting for a queue slot; recomputed, never stored. */
  queued: boolean
  /** When it finished (this run), for the seed time limit. */
  doneAt: number | null
  /** Peers added by hand (HOST:PORT): dialled again on resume and after a restart. */
  peers: Set<string>
  /** By file index; missing entries are 'normal'. */
  priorities: FilePriority[]
}

/** A torrent's facts as the engine starts tracking it; unnamed fields start empty. */
export function newTracked(
  fields: Partial<Pick<Tracked, 'addedAt' | 'queued' | 'priorities'>> & {
    paused: boolean
    peers?: readonly string[]
  },
): Tracked {
  return {
    addedAt: fields.addedAt ?? Date.now(),
    paused: fields.paused,
    queued: fields.queued ?? false,
    doneAt: null,
    peers: new Set(fields.peers ?? []),
    priorities: fields.priorities ?? [],
  }
}

export interface RuntimeSettings extends QueueLimits, SeedLimits {
  /** Bytes per second over all torrents; null = unlimited. */
  downloadLimit: number | null
  uploadLimit: number | null
}

export const NO_LIMITS: RuntimeSettings = {
  downloadLimit: null,
  uploadLimit: null,
  seedRatioLimit: null,
  seedTimeLimitMinutes: null,
  maxActiveDownloads: null,
  maxActiveSeeds: null,
}

export interface SchedulerHost {
  client: WebTorrent
  tracked(torrent: Torrent): Tracked | undefined
  /** Held by the provenance gate or otherwise not running for reasons of its own. */
  isHeld(torrent: Torrent): boolean
  /** A seed limit was reached: pause the torrent as the user would. */
  pauseForLimit(infoHash: string, limit: 'ratio' | 'time'): void
}

export class Scheduler {
  readonly #host: SchedulerHost
  #settings: RuntimeSettings = NO_LIMITS

  constructor(host: SchedulerHost) {
    this.#host = host
  }

  get settings(): RuntimeSettings {
    return this.#settings
  }

  configure(settings: RuntimeSettings): void {
    this.#settings = { ...settings }
    // -1 turns WebTorrent's throttle group off.
    this.#host.client.throttleDownload(settings.downloadLimit ?? -1)
    this.#host.client.throttleUpload(settings.uploadLimit ?? -1)
    this.enforce()
  }

  /** Whether a download added now must wait: the download slots are all taken. */
  mustQueueNewDownload(): boolean {
    const limit = this.#settings.maxActiveDownloads
    if (limit === null) return false
    let active = 0
    for (const torrent of this.#host.client.torrents) {
      const tracked = this.#host.tracked(torrent)
      if (!tracked || torrent.destroyed || torrent.done || tracked.paused || tracked.queued) continue
      if (!this.#host.isHeld(torrent)) active++
    }
    return active >= limit
  }

  enforce(now = Date.now()): void {
    const running: { torrent: Torrent; tracked: Tracked }[] = []
    for (const torrent of this.#host.client.torrents) {
      const tracked = this.#host.tracked(torrent)
      if (tracked && !torrent.destroyed) running.push({ torrent, tracked })
    }
    for (const { torrent, tracked } of running) {
      if (!torrent.done || tracked.paused) continue
      tracked.doneAt ??= now
      const ratio = torrent.downloaded > 0 ? torrent.uploaded / torrent.downloaded : 0
      const reached = seedLimitReached({ ratio, seedingSinceMs: tracked.doneAt }, this.#settings, now)
      if (reached) this.#host.pauseForLimit(torrent.infoHash, reached)
    }
    const queued = queuedTorrents(
      running.map(({ torrent, tracked }) => ({
        infoHash: torrent.infoHash,
        addedAt: tracked.addedAt,
        done: torrent.done,
        stopped: tracked.paused || this.#host.isHeld(torrent),
      })),
      this.#settings,
    )
    for (const { torrent, tracked } of running) {
      const wait = queued.has(torrent.infoHash)
      if (wait === tracked.queued) continue
      tracked.queued = wait
      if (wait) {
        torrent.pause()
        disconnectAll(torrent)
      } else if (!tracked.paused) {
        torrent.resume()
        addPeers(torrent, [...tracked.peers])
      }
    }
  }
}
