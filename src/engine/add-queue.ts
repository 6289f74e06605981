/**
 * Adds of one torrent, one after another. Two adds of the same infohash made at once (a double
 * click, the same magnet twice from a script, two racing API calls) would both find nothing in the
 * list and both hand it to WebTorrent, whose second copy dies with "Cannot add duplicate torrent".
 * Run one at a time, the second add starts when the first has settled and answers exactly what a
 * sequential second add answers: the torrent already running, or, after a refusal or a failure, its
 * own fresh attempt (docs/decisions.md, "Concurrent adds of one torrent").
 */
import { VouchError } from '../errors.ts'
import { waitAtMost } from './wait-at-most.ts'

/** How long an add waits for earlier adds of the same torrent before it gives up. */
export const ADD_WAIT_MS = 30_000

export class AddQueue {
  /** Per infohash: settles once every add queued so far has settled (or given up waiting). */
  readonly #tails = new Map<string, Promise<unknown>>()
  readonly #waitMs: number

  constructor(waitMs = ADD_WAIT_MS) {
    this.#waitMs = waitMs
  }

  /**
   * Run `add` once every earlier add of `infoHash` has settled. Waiting longer than the bound
   * rejects with VouchError('network') without running `add`.
   */
  run<T>(infoHash: string, add: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(infoHash)
    const mine = before ? this.#waitFor(before, infoHash).then(add) : add()
    // The next add waits for this one and for everything before it: an add that gave up waiting
    // must not let a third one start beside an add still under way.
    const tail: Promise<unknown> = Promise.allSettled([before, mine]).then(() => {
      if (this.#tails.get(infoHash) === tail) this.#tails.delete(infoHash)
    })
    this.#tails.set(infoHash, tail)
    return mine
  }

  async #waitFor(before: Promise<unknown>, infoHash: string): Promise<void> {
    if ((await waitAtMost(before, this.#waitMs)) === 'settled') return
    throw new VouchError(
      'network',
      `another add of torrent ${infoHash} has not finished after ${this.#waitMs / 1000} s; try again`,
      { infoHash },
    )
  }
}
