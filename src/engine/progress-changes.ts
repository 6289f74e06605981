/**
 * Which torrents' progress is worth computing and sending this tick. statsOf reads WebTorrent
 * getters that walk every piece (downloaded, progress) and every speedometer; with 2 000 resumed
 * torrents doing that every second for each was most of `serve`'s idle CPU. A torrent is reported
 * when its cheap counters changed (bytes received and sent, connections, paused, done), and for
 * SPEED_WINDOW_MS after its last change, so the speeds shown fall back to zero before it goes quiet.
 */
import type { Torrent } from 'webtorrent'

/** WebTorrent's speedometers average over 5 s; one more tick lets them reach zero. */
export const SPEED_WINDOW_MS = 6000

export class ProgressChanges {
  readonly #seen = new WeakMap<Torrent, { signature: string; changedAt: number }>()

  /** Whether `torrent`'s progress should be emitted at `now`. */
  due(torrent: Torrent, now: number): boolean {
    const signature = `${torrent.received}:${torrent.uploaded}:${torrent.numPeers}:${torrent.paused}:${torrent.done}`
    const last = this.#seen.get(torrent)
    if (!last) {
      // First sighting: report it once; a torrent that never changes is not reported again.
      this.#seen.set(torrent, { signature, changedAt: Number.NEGATIVE_INFINITY })
      return true
    }
    if (last.signature !== signature) {
      last.signature = signature
      last.changedAt = now
      return true
    }
    return now - last.changedAt <= SPEED_WINDOW_MS
  }
}
