import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  blocklistText,
  MAX_BLOCKLIST_LINES,
  MAX_LINE_LENGTH,
  MAX_MALFORMED_KEPT,
  parseBlocklist,
  parseBlocklistLine,
} from '../../../src/reputation/blocklist.ts'
import { formatIp } from '../../../src/reputation/ip.ts'

function read(line: string): string {
  const result = parseBlocklistLine(line)
  if ('entry' in result) {
    const { first, last, label } = result.entry
    return `${formatIp(first)}-${formatIp(last)}${label ? ` [${label}]` : ''}`
  }
  return 'allowed' in result ? 'allowed' : `error: ${result.error}`
}

describe('reading blocklists', () => {
  it.each([
    ['P2P', 'Some Org:1.2.3.0-1.2.3.255', '1.2.3.0-1.2.3.255 [Some Org]'],
    ['P2P label with colons', 'a:b:c:1.2.3.4-1.2.3.5', '1.2.3.4-1.2.3.5 [a:b:c]'],
    ['P2P label that looks like hex', 'dead:1.2.3.4-1.2.3.5', '1.2.3.4-1.2.3.5 [dead]'],
    ['P2P IPv6', 'v6 net:2001:db8::1-2001:db8::ff', '2001:db8::1-2001:db8::ff [v6 net]'],
    ['DAT zero-padded', '001.002.003.000 - 001.002.003.255 , 000 , Some Org', '1.2.3.0-1.2.3.255 [Some Org]'],
    ['DAT without label', '001.002.003.004 - 001.002.003.004 , 100', '1.2.3.4-1.2.3.4'],
    ['DAT level above 127 allows', '001.002.003.004 - 001.002.003.004 , 200 , friend', 'allowed'],
    ['DAT IPv6', '2001:db8:: - 2001:db8::ffff , 0 , x', '2001:db8::-2001:db8::ffff [x]'],
    ['CIDR', '10.1.2.3/16', '10.1.0.0-10.1.255.255'],
    ['CIDR IPv6', '2001:db8:1:2::/64', '2001:db8:1:2::-2001:db8:1:2:ffff:ffff:ffff:ffff'],
    ['plain IPv4', '192.168.0.7', '192.168.0.7-192.168.0.7'],
    ['plain IPv6', '2001:db8::7', '2001:db8::7-2001:db8::7'],
    ['plain range', '1.2.3.4 - 1.2.3.9', '1.2.3.4-1.2.3.9'],
    ['plain IPv6 range', '2001:db8::1-2001:db8::ff', '2001:db8::1-2001:db8::ff'],
  ])('reads %s', (_kind, line, expected) => expect(read(line)).toBe(expected))

  it.each([
    ['text', 'hello world', /not an address/],
    ['reversed range', '1.2.3.9-1.2.3.1', /first address is after the last/],
    ['mixed families', '1.2.3.4-2001:db8::1', /mixes IPv4 and IPv6/],
    ['octet over 255', '1.2.3.256', /not an address/],
    ['bad CIDR', '10.0.0.0/40', /CIDR/],
    ['bad DAT level', '1.2.3.4 - 1.2.3.5 , 999 , x', /access level/],
    ['bad DAT address', '1.2.3.4 - 1.2.3.500 , 0 , x', /not an IP address/],
    ['over-long line', `x:${'1'.repeat(MAX_LINE_LENGTH)}`, /longer than/],
  ])('refuses %s', (_kind, line, error) => expect(read(line)).toMatch(error))

  it('skips blanks and comments, counts malformed lines by number, and keeps the rest', () => {
    const parsed = parseBlocklist(
      '\uFEFF# a list\r\n\r\nA:1.2.3.4-1.2.3.5\r\nnonsense\r\n// note\r\n10.0.0.0/8\r\n1.2.3.9-1.2.3.1\r\n',
    )
    expect(parsed.entries).toHaveLength(2)
    expect(parsed.malformed.map((m) => m.line)).toEqual([4, 7])
    expect(parsed.malformed[0]?.text).toBe('nonsense')
    expect(parsed.lines).toBe(7)
  })

  it('reads gzip-compressed lists', () => {
    const text = blocklistText(gzipSync('A:1.2.3.4-1.2.3.5\n'))
    expect(parseBlocklist(text).entries).toHaveLength(1)
  })

  it('refuses binary data and broken gzip as bad input', () => {
    expect(() => blocklistText(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toThrow(/decompress/)
    expect(() => blocklistText(new Uint8Array([65, 0, 66]))).toThrow(/binary/)
  })

  it('keeps the first malformed lines and counts the rest, so junk cannot fill memory', () => {
    const parsed = parseBlocklist('junk\n'.repeat(MAX_MALFORMED_KEPT + 500) + '1.2.3.4\n')
    expect(parsed.malformed).toHaveLength(MAX_MALFORMED_KEPT)
    expect(parsed.malformed[0]?.line).toBe(1)
    expect(parsed.malformedLines).toBe(MAX_MALFORMED_KEPT + 500)
    expect(parsed.entries).toHaveLength(1)
  })

  it(`refuses a list of more than ${MAX_BLOCKLIST_LINES} lines as bad input`, () => {
    expect(parseBlocklist('#\n'.repeat(MAX_BLOCKLIST_LINES)).lines).toBe(MAX_BLOCKLIST_LINES)
    expect(() => parseBlocklist('#\n'.repeat(MAX_BLOCKLIST_LINES + 1))).toThrow(
      expect.objectContaining({ code: 'bad-input', message: expect.stringMatching(/more than .* lines/) }),
    )
  })

  it('refuses a 250 KB gzip bomb of junk lines with a clear error instead of running out of memory', () => {
    const bomb = gzipSync(Buffer.alloc(255 * 1024 * 1024, 'x\n'), { level: 9 })
    expect(bomb.length).toBeLessThan(300 * 1024)
    expect(() => parseBlocklist(blocklistText(bomb))).toThrow(/more than .* lines/)
  }, 60_000)

  it('never throws on arbitrary lines, and whatever it accepts is a well-ordered range', () => {
    const charset = fc.constantFrom(...'0123456789abcdef:.-/, \tx#'.split(''))
    fc.assert(
      fc.property(fc.array(fc.string({ unit: charset, maxLength: 50 }), { maxLength: 20 }), (lines) => {
        const parsed = parseBlocklist(lines.join('\n'))
        for (const entry of parsed.entries) {
          expect(entry.first.family).toBe(entry.last.family)
          expect(entry.first.value <= entry.last.value).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })
})
