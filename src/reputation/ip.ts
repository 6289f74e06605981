/**
 * IP addresses as numbers, for blocklist ranges. Strict parsers (blocklists come from strangers):
 * IPv4 octets may be zero-padded (`001.002.003.004`, eMule's form) and are always decimal, never
 * octal; IPv6 follows RFC 4291 text form, with an optional embedded IPv4 tail. Pure functions.
 */

export type IpFamily = 4 | 6

export interface IpAddress {
  family: IpFamily
  /** IPv4: 0 … 2^32−1; IPv6: 0 … 2^128−1. */
  value: bigint
}

const IPV4_OCTET = /^\d{1,3}$/
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i
/** Where IPv4 sits on the ordinal line: the IPv4-mapped IPv6 space `::ffff:0:0/96`. */
export const IPV4_MAPPED_PREFIX = 0xffffn << 32n

export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  let value = 0n
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return null
    const octet = Number(part)
    if (octet > 255) return null
    value = (value << 8n) | BigInt(octet)
  }
  return value
}

export function parseIPv6(text: string): bigint | null {
  if (text.length > 45 || !/^[0-9a-f:.]+$/i.test(text)) return null
  let head = text
  let tailV4: bigint | null = null
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.')) {
    tailV4 = parseIPv4(text.slice(lastColon + 1))
    if (tailV4 === null) return null
    // Keep the colon: `::1.2.3.4` becomes `::` followed by the two groups of the IPv4 tail.
    head = text.slice(0, lastColon + 1)
    if (!head.endsWith('::')) head = head.slice(0, -1)
  }
  const halves = head.split('::')
  if (halves.length > 2) return null
  const groupsOf = (part: string): string[] | null => {
    if (part === '') return []
    const groups = part.split(':')
    return groups.every((group) => IPV6_GROUP.test(group)) ? groups : null
  }
  const left = groupsOf(halves[0] ?? '')
  const right = halves.length === 2 ? groupsOf(halves[1] ?? '') : []
  if (!left || !right) return null
  const wanted = tailV4 === null ? 8 : 6
  const present = left.length + right.length
  if (halves.length === 2 ? present > wanted - 1 : present !== wanted) return null
  const groups = [...left, ...Array<string>(wanted - present).fill('0'), ...right]
  let value = 0n
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16))
  if (tailV4 !== null) value = (value << 32n) | tailV4
  return value
}

/** IPv4, or IPv6 (IPv4-mapped IPv6 becomes IPv4, the way sockets report IPv4 peers). */
export function parseIp(text: string): IpAddress | null {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1')
  const v4 = parseIPv4(trimmed)
  if (v4 !== null) return { family: 4, value: v4 }
  const v6 = parseIPv6(trimmed)
  if (v6 === null) return null
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn }
  return { family: 6, value: v6 }
}

export function formatIPv4(value: bigint, options: { padded?: boolean } = {}): string {
  const octets = [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn))
  return octets.map((octet) => (options.padded ? String(octet).padStart(3, '0') : String(octet))).join('.')
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

export function formatIp(address: IpAddress, options: { padded?: boolean } = {}): string {
  return address.family === 4 ? formatIPv4(address.value, options) : formatIPv6(address.value)
}

/** `a.b.c.d/n` or `v6/n` → the first and last address; null if malformed. */
export function parseCidr(text: string): { first: IpAddress; last: IpAddress } | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim())
  if (!match?.[1] || !match[2]) return null
  const base = parseIp(match[1])
  if (!base) return null
  const bits = base.family === 4 ? 32 : 128
  const prefix = Number(match[2])
  if (prefix > bits) return null
  const hostBits = BigInt(bits - prefix)
  const hostMask = (1n << hostBits) - 1n
  const first = base.value & ~hostMask
  return {
    first: { family: base.family, value: first },
    last: { family: base.family, value: first | hostMask },
  }
}

/**
 * One number line for both families, for range lookups: IPv4 maps into the IPv4-mapped IPv6 space
 * (`::ffff:0:0/96`), the same order `src/defence/address.ts` uses.
 */
export function ordinal(address: IpAddress): bigint {
  return address.family === 4 ? IPV4_MAPPED_PREFIX | address.value : address.value
}
