/**
 * Per-torrent speed limits. WebTorrent throttles only the whole client (one throttle group in every
 * peer's stream pipeline), so each torrent gets two token buckets of its own, shared by its wires:
 * - download: a wire takes in the next bytes from its connection only once the bucket has paid for
 *   them (its `_write` callback waits), so the connection backs up and TCP slows the sender;
 * - upload: `piece` messages wait in a per-wire queue until the bucket has paid for their block.
 * Both sit inside the global throttle group, so the stricter of the two limits wins.
 */
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import type { EnginePlugin } from './plugin.ts'

/** Bytes per second; null: no limit of this torrent's own. */
export interface TorrentLimits {
  downloadLimit: number | null
  uploadLimit: number | null
}

export const NO_TORRENT_LIMITS: TorrentLimits = { downloadLimit: null, uploadLimit: null }

/** How much a bucket may save up while idle, in seconds of its rate: the largest burst. */
const BURST_SECONDS = 0.25

/**
 * A token bucket that may go into debt: `reserve` takes the bytes at once and says how long to wait
 * before using them, so one large chunk is never refused, only delayed. Over any interval of T
 * seconds the bytes reserved and waited for are at most rate × (T + BURST_SECONDS) plus one chunk.
 */
export class TokenBucket {
  #rate: number | null = null
  #tokens = 0
  #at = 0

  get rate(): number | null {
    return this.#rate
  }

  setRate(rate: number | null, now = performance.now()): void {
    this.#refill(now)
    this.#rate = rate
    // Debt owed at the old rate is forgiven: the new limit applies from now.
    this.#tokens = rate === null ? 0 : Math.max(0, Math.min(this.#tokens, rate * BURST_SECONDS))
    this.#at = now
  }

  /** Take `bytes`; the answer is how many ms to wait before they may be used (0: at once). */
  reserve(bytes: number, now?: number): number {
    // Unlimited is every torrent's default: no clock read per chunk received.
    if (this.#rate === null) return 0
    this.#refill(now ?? performance.now())
    this.#tokens -= bytes
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000
  }

  #refill(now: number): void {
    if (this.#rate !== null) {
      const elapsed = Math.max(0, now - this.#at) / 1000
      this.#tokens = Math.min(this.#rate * BURST_SECONDS, this.#tokens + elapsed * this.#rate)
    }
    this.#at = now
  }
}

interface TorrentBuckets {
  down: TokenBucket
  up: TokenBucket
}

/** bittorrent-protocol internals the throttle wraps. */
interface WireInternals {
  destroyed: boolean
  _write(data: Uint8Array, cb: (error: Error | null) => void): void
  piece(index: number, offset: number, buffer: Uint8Array): void
}

const later = (ms: number, run: () => void) => {
  if (ms <= 0) return run()
  setTimeout(run, ms).unref()
}

/** The per-torrent limits of one engine, attached to each torrent's wires as they connect. */
export class TorrentThrottles implements EnginePlugin {
  readonly name = 'torrent-throttle'
  readonly #buckets = new Map<string, TorrentBuckets>()

  /** Set (or, with nulls, lift) a torrent's limits; its open wires follow at once. */
  set(infoHash: string, limits: TorrentLimits): void {
    const buckets = this.#bucketsOf(infoHash)
    buckets.down.setRate(limits.downloadLimit)
    buckets.up.setRate(limits.uploadLimit)
  }

  get(infoHash: string): TorrentLimits {
    const buckets = this.#buckets.get(infoHash)
    return {
      downloadLimit: buckets?.down.rate ?? null,
      uploadLimit: buckets?.up.rate ?? null,
    }
  }

  forget(infoHash: string): void {
    this.#buckets.delete(infoHash)
  }

  attachWire(wire: Wire, torrent: Torrent): void {
    // Buckets exist for every torrent with a wire, so a limit set later reaches its open wires.
    const buckets = this.#bucketsOf(torrent.infoHash)
    const internals = wire as unknown as WireInternals
    const write = internals._write
    internals._write = function (data, cb) {
      const wait = buckets.down.reserve(data.length)
      if (wait <= 0) {
        // The common case (no limit, or tokens left) without a closure per chunk received.
        if (internals.destroyed) return cb(null)
        return write.call(this, data, cb)
      }
      later(wait, () => {
        if (internals.destroyed) return cb(null)
        write.call(this, data, cb)
      })
    }
    const piece = internals.piece
    const queue: { index: number; offset: number; buffer: Uint8Array }[] = []
    let waiting = false
    const pump = (): void => {
      const next = queue[0]
      if (waiting || !next) return
      waiting = true
      later(buckets.up.reserve(next.buffer.length), () => {
        waiting = false
        queue.shift()
        if (internals.destroyed) {
          queue.length = 0
          return
        }
        piece.call(internals, next.index, next.offset, next.buffer)
        pump()
      })
    }
    internals.piece = (index, offset, buffer) => {
      queue.push({ index, offset, buffer })
      pump()
    }
  }

  #bucketsOf(infoHash: string): TorrentBuckets {
    let buckets = this.#buckets.get(infoHash)
    if (!buckets) {
      buckets = { down: new TokenBucket(), up: new TokenBucket() }
      this.#buckets.set(infoHash, buckets)
    }
    return buckets
  }
}
