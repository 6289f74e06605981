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

interface Counters {
  received: number
  uploaded: number
  numPeers: number
  paused: boolean
  done: boolean
  changedAt: number
}

export class ProgressChanges {
  readonly #seen = new WeakMap<Torrent, Counters>()

  /** Whether `torrent`'s progress should be emitted at `now`. */
  due(torrent: Torrent, now: number): boolean {
    const { received, uploaded, numPeers, paused, done } = torrent
    const last = this.#seen.get(torrent)
    if (!last) {
      // First sighting: report it once; a torrent that never changes is not reported again.
      this.#seen.set(torrent, {
        received,
        uploaded,
        numPeers,
        paused,
        done,
        changedAt: Number.NEGATIVE_INFINITY,
      })
      return true
    }
    if (
      last.received !== received ||
      last.uploaded !== uploaded ||
      last.numPeers !== numPeers ||
      last.paused !== paused ||
      last.done !== done
    ) {
      // Compared field by field: building a string of them for each of 2 000 torrents every
      // second was a measurable share of an idle serve.
      Object.assign(last, { received, uploaded, numPeers, paused, done, changedAt: now })
      return true
    }
    return now - last.changedAt <= SPEED_WINDOW_MS
  }
}
