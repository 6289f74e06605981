/**
 * verifyWithoutTable answers exactly what noble's `ed.verify(…, { zip215: false })` answers: on
 * RFC 8032's vectors, on random and mutated signatures, and on the inputs where verifiers differ
 * (small-order and mixed-order points, non-canonical encodings, S out of range). The crafted
 * signatures verify only under the cofactored equation, so a path without the cofactor, the
 * small-order check or strict decoding answers differently from noble.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { verifyBytes } from '../../../src/provenance/keys.ts'
import { verifyWithoutTable } from '../../../src/provenance/ladder-verify.ts'
import { RFC8032_VECTORS } from '../../fixtures/provenance/rfc8032.ts'

const { Point } = ed
const L = Point.CURVE().n
const P = Point.CURVE().p
/** A point of order 8 (the canonical encoding libsodium's blocklist starts with). */
const T8 = Point.fromBytes(hexBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
const TORSION = Array.from({ length: 8 }, (_, index) =>
  index === 0 ? Point.ZERO : T8.multiply(BigInt(index)),
)

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))
const modL = (value: bigint) => ((value % L) + L) % L

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${hexOf(Uint8Array.from(bytes).reverse()) || '0'}`)
}

function le32(value: bigint): Uint8Array {
  return hexBytes(value.toString(16).padStart(64, '0')).reverse()
}

/** noble's strict verification, false where it throws (as verifyBytes did before). */
function noble(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/** Both answers, which must agree; returns noble's so a case can also say what it expects. */
function agreed(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const expected = noble(signature, message, publicKey)
  expect(verifyWithoutTable(signature, message, publicKey), 'table-free path vs ed.verify').toBe(expected)
  return expected
}

/**
 * A signature by R's bytes with S = r + k·a mod L, where [r]B and [a]B are the prime-order parts
 * of R and A: it satisfies [8](R + [k]A − [S]B) = 0 whatever torsion R and A carry, and the plain
 * equation only when that torsion cancels.
 */
function craft(rBytes: Uint8Array, r: bigint, publicKey: Uint8Array, a: bigint, message: Uint8Array) {
  const k = littleEndian(sha512(concat(rBytes, publicKey, message))) % L
  return concat(rBytes, le32(modL(r + k * a)))
}

/** Every encoding of a small-order point: the 8 canonical ones and the 6 that strict decoding refuses. */
function smallOrderEncodings(): Uint8Array[] {
  const found = new Map<string, Uint8Array>()
  for (const point of TORSION) {
    const y = littleEndian(point.toBytes()) & ((1n << 255n) - 1n)
    for (const value of y + P < 1n << 255n ? [y, y + P] : [y])
      for (const sign of [0, 0x80]) {
        const bytes = le32(value)
        bytes[31] = (bytes[31] ?? 0) | sign
        found.set(hexOf(bytes), bytes)
      }
  }
  return [...found.values()]
}

const SMALL_ORDER = smallOrderEncodings()
const MESSAGE = new TextEncoder().encode('ladder-verify test message')
const KEY_SCALAR = 0x1234567890abcdefn * 0xfedcba0987654321n
const KEY = Point.BASE.multiply(KEY_SCALAR).toBytes()
const R_SCALAR = 0x5eed5eed5eed5eedn ** 3n

describe('RFC 8032 section 7.1 vectors', () => {
  for (const vector of RFC8032_VECTORS) {
    it(`${vector.name}: accepted, and refused with any one byte of signature, key or message flipped`, () => {
      const signature = hexBytes(vector.signature)
      const publicKey = hexBytes(vector.publicKey)
      const message = hexBytes(vector.message)
      expect(verifyWithoutTable(signature, message, publicKey)).toBe(true)
      expect(verifyBytes(signature, message, publicKey)).toBe(true)
      expect(noble(signature, message, publicKey)).toBe(true)
      const flipped = (bytes: Uint8Array, index: number) => {
        const copy = Uint8Array.from(bytes)
        copy[index] = (copy[index] ?? 0) ^ (1 << (index % 8))
        return copy
      }
      const messageIndexes = [...Array(message.length).keys()].filter(
        (index) => message.length <= 64 || index % 61 === 0 || index === message.length - 1,
      )
      const variants: [Uint8Array, Uint8Array, Uint8Array][] = [
        ...[...signature.keys()].map(
          (i) => [flipped(signature, i), message, publicKey] as (typeof variants)[0],
        ),
        ...[...publicKey.keys()].map(
          (i) => [signature, message, flipped(publicKey, i)] as (typeof variants)[0],
        ),
        ...messageIndexes.map((i) => [signature, flipped(message, i), publicKey] as (typeof variants)[0]),
      ]
      for (const [sig, msg, key] of variants) {
        expect(agreed(sig, msg, key)).toBe(false)
        expect(verifyBytes(sig, msg, key)).toBe(false)
      }
    })
  }
})

describe('the table-free path answers what ed.verify answers', () => {
  it('S out of range is refused, S = 0 is the identity', () => {
    const valid = craft(Point.BASE.multiply(R_SCALAR).toBytes(), R_SCALAR, KEY, KEY_SCALAR, MESSAGE)
    expect(agreed(valid, MESSAGE, KEY)).toBe(true)
    const s = littleEndian(valid.subarray(32))
    for (const value of [s + L, L, L + 1n, (1n << 256n) - 1n, 0n]) {
      const signature = concat(valid.subarray(0, 32), le32(value))
      expect(agreed(signature, MESSAGE, KEY), `S = ${value}`).toBe(false)
    }
  })

  it('the 14 small-order encodings: 6 refused as non-canonical, the 8 others decode', () => {
    expect(T8.multiply(4n).is0() || !T8.clearCofactor().is0()).toBe(false)
    expect(SMALL_ORDER).toHaveLength(14)
    const decodes = SMALL_ORDER.filter((bytes) => {
      try {
        return Point.fromBytes(bytes, false).isSmallOrder()
      } catch {
        return false
      }
    })
    expect(decodes).toHaveLength(8)
    for (const bytes of SMALL_ORDER) expect(Point.fromBytes(bytes, true).isSmallOrder()).toBe(true)
  })

  it('a small-order key is refused, even with a signature the cofactored equation accepts', () => {
    const rBytes = Point.BASE.multiply(R_SCALAR).toBytes()
    for (const key of SMALL_ORDER) {
      // A = T: R + [k]T − [r]B = [k]T, which [8] clears.
      expect(agreed(craft(rBytes, R_SCALAR, key, 0n, MESSAGE), MESSAGE, key), hexOf(key)).toBe(false)
    }
    const identity = SMALL_ORDER.find((bytes) => hexOf(bytes) === `01${'00'.repeat(31)}`)!
    expect(agreed(concat(identity, le32(0n)), MESSAGE, identity)).toBe(false)
  })

  it('a small-order R verifies when canonical (the cofactored equation), never when not', () => {
    const answers = SMALL_ORDER.map((rBytes) =>
      agreed(craft(rBytes, 0n, KEY, KEY_SCALAR, MESSAGE), MESSAGE, KEY),
    )
    expect(answers.filter(Boolean)).toHaveLength(8)
  })

  it('mixed-order keys and R (a point plus a torsion point) verify under the cofactored equation', () => {
    for (const [index, torsion] of TORSION.entries()) {
      const key = Point.BASE.multiply(KEY_SCALAR).add(torsion).toBytes()
      const rBytes = Point.BASE.multiply(R_SCALAR).add(torsion).toBytes()
      expect(agreed(craft(rBytes, R_SCALAR, key, KEY_SCALAR, MESSAGE), MESSAGE, key), `T${index}`).toBe(true)
    }
  })

  it('a non-canonical key or R (y ≥ p) is refused though it names a point of large order', () => {
    // y = 3 + p: y = 3 is on the curve with large order, and its 3 + p alias is under 2^255.
    const alias = le32(3n + P)
    expect(Point.fromBytes(alias, true).isSmallOrder()).toBe(false)
    expect(Point.fromBytes(le32(3n), false).isSmallOrder()).toBe(false)
    const valid = craft(Point.BASE.multiply(R_SCALAR).toBytes(), R_SCALAR, KEY, KEY_SCALAR, MESSAGE)
    expect(agreed(valid, MESSAGE, alias)).toBe(false)
    expect(agreed(concat(alias, valid.subarray(32)), MESSAGE, KEY)).toBe(false)
  })

  it('random signatures, valid and mutated, and mixed-order crafts (fast-check)', () => {
    const mutation = fc.constantFrom('none', 'signature', 'message', 'key', 'S', 'R')
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 80 }),
        mutation,
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (seed, message, change, at, random) => {
          const publicKey = ed.getPublicKey(seed)
          let signature = ed.sign(message, seed)
          let key = publicKey
          let msg = message
          const flip = (bytes: Uint8Array) => {
            const copy = Uint8Array.from(bytes)
            if (copy.length > 0) copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ (1 << (at % 8))
            return copy
          }
          if (change === 'signature') signature = flip(signature)
          if (change === 'message') msg = flip(message)
          if (change === 'key') key = flip(publicKey)
          if (change === 'S') signature = concat(signature.subarray(0, 32), random)
          if (change === 'R') signature = concat(random, signature.subarray(32))
          const answer = agreed(signature, msg, key)
          if (change === 'none') expect(answer).toBe(true)
        },
      ),
      { numRuns: 150, seed: 8032 },
    )
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: L - 1n }),
        fc.bigInt({ min: 1n, max: L - 1n }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 7 }),
        fc.uint8Array({ maxLength: 40 }),
        (a, r, keyTorsion, rTorsion, message) => {
          const key = Point.BASE.multiply(a)
            .add(TORSION[keyTorsion] ?? Point.ZERO)
            .toBytes()
          const rBytes = Point.BASE.multiply(r)
            .add(TORSION[rTorsion] ?? Point.ZERO)
            .toBytes()
          expect(agreed(craft(rBytes, r, key, a, message), message, key)).toBe(true)
        },
      ),
      { numRuns: 60, seed: 25519 },
    )
  })

  it('random 32-byte keys and 64-byte signatures (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 40 }),
        (signature, key, message) => {
          agreed(signature, message, key)
        },
      ),
      { numRuns: 200, seed: 255 },
    )
    expect(verifyWithoutTable(new Uint8Array(63), MESSAGE, KEY)).toBe(false)
    expect(verifyWithoutTable(new Uint8Array(64), MESSAGE, KEY.subarray(1))).toBe(false)
  })
})
