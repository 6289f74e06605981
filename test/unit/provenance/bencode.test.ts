import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BencodeError,
  decodeBencode,
  encodeBencode,
  type BencodeValue,
  type Encodable,
} from '../../../src/provenance/bencode.ts'

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'))

describe('the strict bencode reader', () => {
  it('returns exact byte spans for nested values', () => {
    const input = bytes('d1:ai-5e1:bl3:xyzdee1:cli1eee')
    const value = decodeBencode(input)
    expect(value.type).toBe('dictionary')
    if (value.type !== 'dictionary') return
    expect(value.entries.map((entry) => entry.name)).toEqual(['a', 'b', 'c'])
    const [a, b, c] = value.entries
    expect(a?.value).toMatchObject({ type: 'integer', value: -5n, start: 4, end: 8 })
    expect(Buffer.from(input.subarray(b!.value.start, b!.value.end)).toString('latin1')).toBe('l3:xyzdee')
    expect(Buffer.from(input.subarray(c!.keyStart, c!.value.end)).toString('latin1')).toBe('1:cli1ee')
  })

  // A table of bad inputs and the problem each must be reported as (after libtorrent's test_torrent_info).
  const bad: [string, string, RegExp][] = [
    ['empty input', '', /unexpected end/],
    ['leading zero in an integer', 'i03e', /leading zero/],
    ['negative zero', 'i-0e', /negative zero/],
    ['integer without digits', 'ie', /expected digits/],
    ['integer with a sign only', 'i-e', /expected digits/],
    ['unterminated integer', 'i12', /expected 'e'/],
    ['too many digits', `i${'9'.repeat(21)}e`, /more than 20 digits/],
    ['leading zero in a string length', '03:abc', /leading zero/],
    ['string past the end', '5:abc', /runs past the end/],
    ['missing colon', '3abc', /expected ':'/],
    ['unsorted keys', 'd1:bi1e1:ai2ee', /not sorted/],
    ['duplicate keys', 'd1:ai1e1:ai2ee', /not sorted/],
    ['integer key', 'di1ei2ee', /key is not a string/],
    ['unterminated list', 'li1e', /unterminated list/],
    ['unterminated dictionary', 'd1:ai1e', /unterminated dictionary/],
    ['trailing bytes', 'i1ei2e', /trailing bytes/],
    ['unknown type byte', 'x', /unexpected byte 0x78/],
    ['deep nesting', `${'l'.repeat(65)}${'e'.repeat(65)}`, /deeper than 64/],
  ]
  for (const [what, input, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => decodeBencode(bytes(input))).toThrow(BencodeError)
      expect(() => decodeBencode(bytes(input))).toThrow(message)
    })
  }

  it('refuses input over the size limit before reading it', () => {
    expect(() => decodeBencode(new Uint8Array(1025), { maxBytes: 1024 })).toThrow(/larger than 1024/)
  })

  it('survives nesting far deeper than the stack would allow', () => {
    const deep = bytes(`${'l'.repeat(200_000)}${'e'.repeat(200_000)}`)
    expect(() => decodeBencode(deep)).toThrow(/deeper than 64/)
  })
})

/** Arbitrary values the encoder accepts, with keys made of printable ASCII. */
const encodable: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', 'y', '-', ' '), maxLength: 5 }),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value

function toPlain(value: BencodeValue): unknown {
  switch (value.type) {
    case 'integer':
      return value.value
    case 'bytes':
      return Buffer.from(value.value).toString('hex')
    case 'list':
      return value.items.map(toPlain)
    case 'dictionary':
      return Object.fromEntries(value.entries.map((entry) => [entry.name, toPlain(entry.value)]))
  }
}

function plainOf(value: Encodable): unknown {
  if (typeof value === 'bigint' || typeof value === 'number') return BigInt(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (Array.isArray(value)) return value.map(plainOf)
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainOf(item as Encodable)]))
}

describe('bencode properties (fast-check)', () => {
  it('decode(encode(x)) gives x back, and the top value spans the whole input', () => {
    fc.assert(
      fc.property(encodable, (value) => {
        const encoded = encodeBencode(value)
        const decoded = decodeBencode(encoded)
        expect(toPlain(decoded)).toEqual(plainOf(value))
        expect([decoded.start, decoded.end]).toEqual([0, encoded.length])
      }),
    )
  })

  it('every span of a decoded value re-decodes to the same value (spans are exact)', () => {
    fc.assert(
      fc.property(encodable, (value) => {
        const encoded = encodeBencode(value)
        const check = (node: BencodeValue): void => {
          expect(toPlain(decodeBencode(encoded.subarray(node.start, node.end)))).toEqual(toPlain(node))
          if (node.type === 'list') node.items.forEach(check)
          if (node.type === 'dictionary') node.entries.forEach((entry) => check(entry.value))
        }
        check(decodeBencode(encoded))
      }),
    )
  })

  it('arbitrary bytes either decode or raise BencodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        try {
          decodeBencode(input)
        } catch (error) {
          expect(error).toBeInstanceOf(BencodeError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('mutating one byte of valid bencode never crashes the reader', () => {
    fc.assert(
      fc.property(encodable, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, position, byte) => {
        const encoded = new Uint8Array(encodeBencode(value))
        encoded[position % encoded.length] = byte
        try {
          decodeBencode(encoded)
        } catch (error) {
          expect(error).toBeInstanceOf(BencodeError)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
