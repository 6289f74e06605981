import type { StatsSample } from './contract.ts'

/**
 * WebTorrent reports a piece that failed its hash only as a warning whose text is fixed in
 * lib/torrent.js (`Piece ${index} failed verification`); this is the one place that text is read.
 */
const HASH_FAILURE_WARNING = /^Piece \d+ failed verification$/

export function isHashFailureWarning(message: string): boolean {
  return HASH_FAILURE_WARNING.test(message)
}

/** A ring of the last `capacity` once-a-second samples for the speed and hash-failure chart. */
export class StatsHistory {
  readonly #capacity: number
  readonly #samples: StatsSample[] = []
  #pendingHashFailures = 0

  constructor(capacity = 300) {
    this.#capacity = capacity
  }

  countHashFailure(): void {
    this.#pendingHashFailures++
  }

  /** Close the current interval: its speeds plus the hash failures counted since the last sample. */
  sample(at: number, downloadSpeed: number, uploadSpeed: number): StatsSample {
    const sample: StatsSample = {
      at,
      downloadSpeed: Math.max(0, downloadSpeed),
      uploadSpeed: Math.max(0, uploadSpeed),
      hashFailures: this.#pendingHashFailures,
    }
    this.#pendingHashFailures = 0
    this.#samples.push(sample)
    if (this.#samples.length > this.#capacity) this.#samples.splice(0, this.#samples.length - this.#capacity)
    return sample
  }

  samples(): StatsSample[] {
    return [...this.#samples]
  }
}
