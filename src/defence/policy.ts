/**
 * When suspicion becomes a ban, and for how long. Pure: the clock is passed in.
 *
 * Proof (a block that differed from the verified piece, or a failed piece nobody else contributed
 * to) bans at once. Suspicion that cannot be resolved yet (a peer shared a failed piece with others
 * and the piece has not verified since) and protocol abuse (blocks nobody asked for) add strikes
 * that decay; a peer whose strikes pass a threshold is banned for a shorter time. A peer cleared by
 * a later verification has its strike for that piece taken back.
 */
import type { BanReason } from './ban-store.ts'

export interface DefencePolicy {
  /** First ban for proof (poisoned-block, sole-contributor), in ms. */
  provenBanMs: number
  /** First ban for strikes or unsolicited blocks, in ms. */
  suspicionBanMs: number
  /** Each earlier ban of the same address multiplies the length by this. */
  escalation: number
  /** An escalated ban longer than this becomes permanent (expiresAt null). */
  maxBanMs: number
  /** Unresolved-suspicion strikes that lead to a ban. */
  strikeThreshold: number
  /** Unsolicited blocks (never requested on that connection) that lead to a ban. */
  unsolicitedThreshold: number
  /**
   * Request floods (a peer past the request queue it may keep; one per connection per interval of
   * the wire guard) that lead to a `protocol-violation` ban.
   */
  floodThreshold: number
  /** Strikes halve after this long. */
  strikeHalfLifeMs: number
  /**
   * A connection from an address that has not yet contributed to a verified piece may have
   * requests out for one piece at a time, so a poisoner that is bad from the start can spoil at
   * most one piece before the proof arrives.
   */
  probation: boolean
}

const HOUR = 60 * 60 * 1000

export const DEFAULT_POLICY: DefencePolicy = {
  provenBanMs: 24 * HOUR,
  suspicionBanMs: HOUR,
  escalation: 4,
  maxBanMs: 90 * 24 * HOUR,
  strikeThreshold: 5,
  unsolicitedThreshold: 3,
  floodThreshold: 3,
  strikeHalfLifeMs: 10 * 60 * 1000,
  probation: true,
}

export function isProof(reason: BanReason): boolean {
  return reason === 'poisoned-block' || reason === 'sole-contributor'
}

/** When a ban for `reason`, the address's `priorBans + 1`-th, ends; null = permanent. */
export function banExpiry(
  reason: BanReason,
  priorBans: number,
  now: number,
  policy: DefencePolicy = DEFAULT_POLICY,
): number | null {
  if (reason === 'manual' || reason === 'imported') return null
  const base = isProof(reason) ? policy.provenBanMs : policy.suspicionBanMs
  const length = base * policy.escalation ** Math.max(0, priorBans)
  return length > policy.maxBanMs ? null : now + length
}

/** Exponentially decaying counters per key. Keys whose count has decayed to nothing are dropped. */
export class DecayingCounter {
  readonly #halfLifeMs: number
  readonly #counts = new Map<string, { value: number; at: number }>()

  constructor(halfLifeMs: number) {
    this.#halfLifeMs = halfLifeMs
  }

  value(key: string, now: number): number {
    const entry = this.#counts.get(key)
    if (!entry) return 0
    return entry.value * 0.5 ** ((now - entry.at) / this.#halfLifeMs)
  }

  /** Adds `amount` (negative to take back) and returns the new value, never below zero. */
  add(key: string, amount: number, now: number): number {
    const value = Math.max(0, this.value(key, now) + amount)
    if (value < 0.01) this.#counts.delete(key)
    else this.#counts.set(key, { value, at: now })
    if (this.#counts.size > 10_000) this.#prune(now)
    return value
  }

  clear(key: string): void {
    this.#counts.delete(key)
  }

  get size(): number {
    return this.#counts.size
  }

  #prune(now: number): void {
    for (const key of [...this.#counts.keys()]) {
      if (this.value(key, now) < 0.5) this.#counts.delete(key)
    }
  }
}
