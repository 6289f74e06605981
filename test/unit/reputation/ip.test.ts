import { isIPv6 } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatIp,
  formatIPv4,
  formatIPv6,
  parseCidr,
  parseIp,
  parseIPv4,
  parseIPv6,
} from '../../../src/reputation/ip.ts'

describe('IP addresses for blocklists', () => {
  it('reads zero-padded IPv4 octets as decimal, never octal', () => {
    expect(parseIPv4('001.002.003.010')).toBe(0x0102030an)
    expect(formatIPv4(0x0102030an, { padded: true })).toBe('001.002.003.010')
    expect(formatIPv4(0x0102030an)).toBe('1.2.3.10')
  })

  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '0001.2.3.4', '-1.2.3.4', ' 1.2.3.4x', '1.2.3.4/'])(
    'refuses the IPv4 text %j',
    (text) => expect(parseIPv4(text)).toBeNull(),
  )

  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['2001:db8::1', 0x20010db8000000000000000000000001n],
    ['::ffff:1.2.3.4', 0xffff01020304n],
    ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
    ['1:2:3:4:5:6:1.2.3.4', 0x00010002000300040005000601020304n],
  ])('reads the IPv6 text %j', (text, value) => expect(parseIPv6(text)).toBe(value))

  it.each([
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'g::1',
    ':::',
    '1:2:3:4:5:6:7',
    '::1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
  ])('refuses the IPv6 text %j', (text) => expect(parseIPv6(text)).toBeNull())

  it('writes IPv6 in the RFC 5952 form', () => {
    expect(formatIPv6(0x20010db8000000000000000000000001n)).toBe('2001:db8::1')
    expect(formatIPv6(0x20010db8000000010000000000000001n)).toBe('2001:db8:0:1::1')
    expect(formatIPv6(0x00010000000100000000000100000001n)).toBe('1:0:1::1:0:1')
    expect(formatIPv6(0x00010000000100000001000000010000n)).toBe('1:0:1:0:1:0:1:0')
    expect(formatIPv6(0n)).toBe('::')
  })

  it('treats IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    expect(parseIp('::ffff:127.0.0.5')).toEqual({ family: 4, value: 0x7f000005n })
  })

  it('expands CIDR blocks to their first and last address', () => {
    const block = parseCidr('10.1.2.3/8')
    expect(block && [formatIp(block.first), formatIp(block.last)]).toEqual(['10.0.0.0', '10.255.255.255'])
    const v6 = parseCidr('2001:db8::/32')
    expect(v6 && formatIp(v6.last)).toBe('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')
    expect(parseCidr('10.0.0.0/33')).toBeNull()
    expect(parseCidr('10.0.0.0/')).toBeNull()
  })

  it('round-trips every IPv6 value through its text form, which node:net accepts', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const text = formatIPv6(value)
        expect(isIPv6(text)).toBe(true)
        expect(parseIPv6(text)).toBe(value)
      }),
    )
  })

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const parsed = parseIp(text)
        if (parsed && parsed.family === 6) expect(isIPv6(formatIp(parsed))).toBe(true)
      }),
    )
  })
})
