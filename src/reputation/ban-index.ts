/**
 * Active bans in memory, so `banFor` answers on the connection path without touching SQLite. Single
 * keys sit in a map; ranges (imported blocklists, IPv6 /64 keys) in an array sorted by first
 * address with a running maximum of last addresses, searched by bisection.
 */
import type { Ban } from '../defence/ban-store.ts'
import { addressKey } from '../defence/address.ts'
import { ordinal, parseCidr, parseIp } from './ip.ts'

interface Interval {
  first: bigint
  last: bigint
  ban: Ban
}

/** First and last ordinal a ban covers; null if its address is not an address (never matches). */
export function banInterval(ban: Pick<Ban, 'address' | 'rangeEnd'>): { first: bigint; last: bigint } | null {
  if (ban.address.includes('/')) {
    const cidr = parseCidr(ban.address)
    return cidr ? { first: ordinal(cidr.first), last: ordinal(cidr.last) } : null
  }
  const first = parseIp(ban.address)
  if (!first) return null
  if (ban.rangeEnd === null) return { first: ordinal(first), last: ordinal(first) }
  const last = parseIp(ban.rangeEnd)
  return last ? { first: ordinal(first), last: ordinal(last) } : null
}

export function isActive(ban: Ban, now: number): boolean {
  return ban.expiresAt === null || ban.expiresAt > now
}

export class BanIndex {
  readonly #singles = new Map<string, Ban[]>()
  #intervals: Interval[] = []
  #maxLast: bigint[] = []
  #sorted = true
  #size = 0

  get size(): number {
    return this.#size
  }

  add(ban: Ban): void {
    this.#size++
    if (ban.rangeEnd === null && !ban.address.includes('/')) {
      const key = addressKey(ban.address)
      const list = this.#singles.get(key)
      if (list) list.push(ban)
      else this.#singles.set(key, [ban])
      return
    }
    const interval = banInterval(ban)
    if (!interval) return
    this.#intervals.push({ ...interval, ban })
    this.#sorted = false
  }

  /** The active ban covering `address` that lasts longest, if any. */
  find(address: string, now: number): Ban | undefined {
    let best: Ban | undefined
    const consider = (ban: Ban) => {
      if (!isActive(ban, now)) return
      if (!best || (best.expiresAt !== null && (ban.expiresAt === null || ban.expiresAt > best.expiresAt)))
        best = ban
    }
    const key = addressKey(address)
    for (const ban of this.#singles.get(key) ?? []) consider(ban)
    if (this.#intervals.length === 0) return best
    const parsed = parseIp(address.replace(/\/64$/, ''))
    if (!parsed) return best
    const point = ordinal(parsed)
    this.#sort()
    // Last interval whose first address is <= point; walk left while one could still reach it.
    let low = 0
    let high = this.#intervals.length - 1
    let index = -1
    while (low <= high) {
      const middle = (low + high) >> 1
      if ((this.#intervals[middle] as Interval).first <= point) {
        index = middle
        low = middle + 1
      } else high = middle - 1
    }
    for (let i = index; i >= 0 && (this.#maxLast[i] as bigint) >= point; i--) {
      const interval = this.#intervals[i] as Interval
      if (interval.last >= point) consider(interval.ban)
    }
    return best
  }

  /** Remove every ban filed under `address` (a single key, or a range starting there). */
  remove(address: string): Ban[] {
    const key = addressKey(address)
    const removed = this.#singles.get(key) ?? []
    this.#singles.delete(key)
    const keep: Interval[] = []
    for (const interval of this.#intervals) {
      if (interval.ban.address === address || interval.ban.address === key) removed.push(interval.ban)
      else keep.push(interval)
    }
    if (keep.length !== this.#intervals.length) {
      this.#intervals = keep
      this.#sorted = false
    }
    this.#size -= removed.length
    return removed
  }

  all(): Ban[] {
    const bans: Ban[] = []
    for (const list of this.#singles.values()) bans.push(...list)
    for (const interval of this.#intervals) bans.push(interval.ban)
    return bans
  }

  #sort(): void {
    if (this.#sorted) return
    this.#intervals.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
    this.#maxLast = []
    let max = -1n
    for (const interval of this.#intervals) {
      if (interval.last > max) max = interval.last
      this.#maxLast.push(max)
    }
    this.#sorted = true
  }
}
