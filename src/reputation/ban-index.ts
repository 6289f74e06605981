/**
 * Bans in memory: the reputation store keeps here the bans it has queued but not yet written (see
 * ban-table.ts, which answers for the written ones from SQLite), and the defence's in-memory store
 * its session bans. Single keys sit in a map; ranges (imported blocklists, IPv6 /64 keys) in an
 * array sorted by first address with a running maximum of last addresses, searched by bisection.
 *
 * Also here: where a ban sits on the one number line of addresses (`banPlacement`), as the store's
 * bans table indexes it (migration 006).
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

/** Bytes of an ordinal in the bans table: 128 bits, big-endian, so SQLite's bytewise BLOB order is numeric order. */
export const ORDINAL_BYTES = 16

export function ordinalBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(ORDINAL_BYTES)
  let rest = value < 0n ? 0n : value
  for (let index = ORDINAL_BYTES - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return bytes
}

/**
 * The bit length of `last − first`: 0 for a single address, 1 for two, 8 for up to 256 … An
 * interval of class k is shorter than 2^k addresses, so one that covers point p starts no lower
 * than p − 2^k + 1; and it is at least 2^(k−1) long, so few of its class start in that window
 * without covering p.
 */
export function spanClass(first: bigint, last: bigint): number {
  const span = last - first
  return span <= 0n ? 0 : span.toString(2).length
}

/** The bans table's interval columns for a ban: null when its address is not an address. */
export interface BanPlacement {
  rangeFirst: Uint8Array
  rangeLast: Uint8Array
  spanClass: number
}

export function banPlacement(ban: Pick<Ban, 'address' | 'rangeEnd'>): BanPlacement | null {
  const interval = banInterval(ban)
  if (!interval || interval.last < interval.first) return null
  return {
    rangeFirst: ordinalBytes(interval.first),
    rangeLast: ordinalBytes(interval.last),
    spanClass: spanClass(interval.first, interval.last),
  }
}

/** The point a lookup of `address` asks about (a `/64` key asks about its first address). */
export function lookupOrdinal(address: string): bigint | null {
  const parsed = parseIp(address.replace(/\/64$/, ''))
  return parsed ? ordinal(parsed) : null
}

/**
 * Of the bans covering an address, the one that lasts longest (permanent beats any expiry); on a
 * tie the first in `bans`.
 */
export function longestLasting(bans: Iterable<Ban>, now: number): Ban | undefined {
  let best: Ban | undefined
  for (const ban of bans) {
    if (!isActive(ban, now)) continue
    if (!best || (best.expiresAt !== null && (ban.expiresAt === null || ban.expiresAt > best.expiresAt)))
      best = ban
  }
  return best
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
    const covering: Ban[] = [...(this.#singles.get(addressKey(address)) ?? [])]
    const point = this.#intervals.length === 0 ? null : lookupOrdinal(address)
    if (point === null) return longestLasting(covering, now)
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
      if (interval.last >= point) covering.push(interval.ban)
    }
    return longestLasting(covering, now)
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
