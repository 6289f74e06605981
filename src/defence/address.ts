/**
 * Reputation and bans key on the host, not on the peer ID or port: an IPv4 address, or for IPv6 the
 * /64 prefix (one subscriber usually owns a whole /64, so banning a single IPv6 address would be
 * trivial to dodge). Pure functions over strings; no I/O.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** `::ffff:127.0.0.5` (how a dual-stack socket reports an IPv4 peer) → `127.0.0.5`. */
function unmapIPv4(address: string): string {
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  return match?.[1] ?? address
}

/** The eight 16-bit groups of an IPv6 address, or null if it is not one. */
export function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (!isIPv6(text)) return null
  const embedded = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)
  if (embedded?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = embedded[1].split('.').map(Number)
    text = `${text.slice(0, -embedded[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const missing = 8 - headGroups.length - tailGroups.length
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups]
  return groups.length === 8 ? groups.map((group) => parseInt(group, 16)) : null
}

/**
 * The key a peer's record and bans are filed under. IPv4 (and IPv4-mapped IPv6) → the address;
 * IPv6 → its /64 written `2001:db8:1:2::/64`. Anything else (a hostname, garbage) is returned
 * lowercased as is, so it still keys consistently.
 */
export function addressKey(address: string): string {
  const plain = unmapIPv4(address.trim().replace(/^\[|\]$/g, ''))
  if (isIPv4(plain)) return plain
  const groups = ipv6Groups(plain)
  if (groups) {
    const mapped = groups.slice(0, 6).every((g, i) => (i === 5 ? g === 0xffff : g === 0))
    if (mapped) {
      const [, , , , , , hi = 0, lo = 0] = groups
      return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
    }
    return `${groups
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':')}::/64`
  }
  return plain.toLowerCase()
}

/**
 * A number that orders addresses of both families on one line, for range checks (imported
 * blocklists): IPv4 maps into the IPv4-mapped IPv6 space. A `/64` key orders as its first address.
 * Null for anything that is not an address.
 */
export function addressOrdinal(address: string): bigint | null {
  const plain = unmapIPv4(
    address
      .trim()
      .replace(/^\[|\]$/g, '')
      .replace(/\/64$/, ''),
  )
  if (isIPv4(plain)) {
    const value = plain.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n)
    return (0xffffn << 32n) | value
  }
  const groups = ipv6Groups(plain)
  if (!groups) return null
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n)
}
