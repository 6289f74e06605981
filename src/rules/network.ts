/**
 * The networks the multi-dial rule counts connections in: an IPv4 /24 or an IPv6 /56 (both
 * configurable), each family on its own, so a dual-stack peer connected over both is one
 * connection in each of two groups, never two in one. IPv4-mapped IPv6 addresses count as IPv4.
 */
import { isIPv4 } from 'node:net'
import { addressKey, addressOrdinal } from '../defence/address.ts'

const IPV4_BITS = 32
const IPV6_BITS = 128

export interface Network {
  family: 4 | 6
  /** The address's top `prefix` bits. */
  bits: bigint
  prefix: number
}

/** The /prefix network of a host, or null when the host is not an IP address. */
export function networkOf(host: string, ipv4Prefix: number, ipv6Prefix: number): Network | null {
  const ordinal = addressOrdinal(host)
  if (ordinal === null) return null
  const family = isIPv4(addressKey(host)) ? 4 : 6
  if (family === 4) {
    const value = ordinal & 0xffffffffn
    return { family, bits: value >> BigInt(IPV4_BITS - ipv4Prefix), prefix: ipv4Prefix }
  }
  return { family, bits: ordinal >> BigInt(IPV6_BITS - ipv6Prefix), prefix: ipv6Prefix }
}

/** `192.0.2.0/24`, `2001:db8:1:200::/56`: the group as people write it (and the map key). */
export function networkText(network: Network): string {
  if (network.family === 4) {
    const value = network.bits << BigInt(IPV4_BITS - network.prefix)
    const octets = [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn))
    return `${octets.join('.')}/${network.prefix}`
  }
  const value = network.bits << BigInt(IPV6_BITS - network.prefix)
  const groups: string[] = []
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16))
  while (groups.length > 1 && groups.at(-1) === '0') groups.pop()
  return `${groups.join(':')}${groups.length < 8 ? '::' : ''}/${network.prefix}`
}

/** Parse `ADDRESS/PREFIX` (IPv4 or IPv6) into a network, or null. */
export function parseNetwork(cidr: string): Network | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim())
  if (!match?.[1] || !match[2]) return null
  const prefix = Number(match[2])
  const v4 = isIPv4(match[1])
  if (prefix > (v4 ? IPV4_BITS : IPV6_BITS)) return null
  return networkOf(match[1], v4 ? prefix : 24, v4 ? 56 : prefix)
}

/** Whether `host` lies inside any of `networks`. */
export function insideAny(host: string, networks: readonly Network[]): boolean {
  for (const network of networks) {
    const own = networkOf(
      host,
      network.family === 4 ? network.prefix : 32,
      network.family === 6 ? network.prefix : 128,
    )
    if (own && own.family === network.family && own.bits === network.bits) return true
  }
  return false
}
