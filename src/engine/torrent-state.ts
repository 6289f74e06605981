/**
 * The numbers the engine reports for one torrent. WebTorrent's speedometers decay slowly and count
 * protocol chatter (metadata, keep-alives), so an idle seed shows 1 B/s for minutes and a held
 * magnet shows the speed of its metadata exchange: here a speed is 0 unless the piece counter it
 * measures moved in the last IDLE_AFTER_MS, and the time remaining is known only while data flows.
 */
import type { Torrent } from 'webtorrent'
import type { TorrentStats } from './events.ts'

/** A direction with no new bytes for this long is idle: its speed is reported as 0. */
export const IDLE_AFTER_MS = 3_000

interface Counters {
  downloaded: number
  uploaded: number
  downloadMovedAt: number
  uploadMovedAt: number
}

/** When each torrent's downloaded and uploaded counters last moved. */
export class ActivityTracker {
  readonly #counters = new Map<string, Counters>()

  /** Record the counters now; true when each direction moved within IDLE_AFTER_MS. */
  observe(
    infoHash: string,
    downloaded: number,
    uploaded: number,
    now = Date.now(),
  ): { downloading: boolean; uploading: boolean } {
    let counters = this.#counters.get(infoHash)
    if (!counters) {
      // First sight: nothing is known to have moved yet.
      counters = { downloaded, uploaded, downloadMovedAt: -Infinity, uploadMovedAt: -Infinity }
      this.#counters.set(infoHash, counters)
    }
    if (downloaded > counters.downloaded) counters.downloadMovedAt = now
    if (uploaded > counters.uploaded) counters.uploadMovedAt = now
    counters.downloaded = downloaded
    counters.uploaded = uploaded
    return {
      downloading: now - counters.downloadMovedAt <= IDLE_AFTER_MS,
      uploading: now - counters.uploadMovedAt <= IDLE_AFTER_MS,
    }
  }

  forget(infoHash: string): void {
    this.#counters.delete(infoHash)
  }
}

export interface TorrentFacts {
  /** ms since epoch */
  addedAt: number
  /** Paused by the user (not by the queue). */
  paused: boolean
  /** Waiting in the queue for a free download or seed slot. */
  queued: boolean
}

const finite = (value: number) => (Number.isFinite(value) && value >= 0 ? value : 0)

export function statsOf(
  torrent: Torrent,
  facts: TorrentFacts,
  activity: ActivityTracker,
  now = Date.now(),
): TorrentStats {
  const length = finite(torrent.length ?? 0)
  const downloaded = finite(torrent.downloaded)
  const uploaded = finite(torrent.uploaded)
  const stopped = facts.paused || facts.queued
  // `received` counts the bytes of pieces as they arrive, `downloaded` only verified ones.
  const received = finite(torrent.received)
  const moving = activity.observe(torrent.infoHash, received, uploaded, now)
  const downloadSpeed = !stopped && !torrent.done && moving.downloading ? finite(torrent.downloadSpeed) : 0
  const uploadSpeed = !stopped && moving.uploading ? finite(torrent.uploadSpeed) : 0
  const remaining = downloadSpeed > 0 ? ((length - downloaded) / downloadSpeed) * 1000 : null
  return {
    infoHash: torrent.infoHash,
    name: torrent.name ?? torrent.infoHash,
    length,
    downloaded,
    uploaded,
    progress: Math.min(1, finite(torrent.progress)),
    downloadSpeed,
    uploadSpeed,
    numPeers: finite(torrent.numPeers),
    timeRemaining: remaining !== null && Number.isFinite(remaining) ? Math.max(0, remaining) : null,
    done: torrent.done,
    paused: facts.paused,
    queued: facts.queued,
    hasMetadata: length > 0,
    checking: length > 0 && !torrent.ready,
    savePath: torrent.path,
    addedAt: facts.addedAt,
    ratio: downloaded > 0 ? uploaded / downloaded : 0,
    error: null,
  }
}
