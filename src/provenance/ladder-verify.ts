/**
 * Ed25519 verification without @noble/ed25519's base-point table, for the first checks of a process.
 *
 * Why: noble multiplies the base point B through a table of 33 windows × 128 multiples of B, built
 * the first time any `B.multiply` runs (≈ 4,200 point additions, 30–90 ms). `ed.verify` computes
 * [S]B, so the first signature check of every process pays for the whole table; a CLI command that
 * checks one signature spends most of its verification time building it. A multiple of any other
 * point goes through noble's double-and-add ladder (≈ 380 point operations here, ≈ 3 ms).
 *
 * Equivalence: this is noble 3.2.0's `_verify` with `zip215: false`, step by step and in the same
 * order, written with noble's own exported primitives (point decoding, addition, multiplication,
 * cofactor clearing) and the same SHA-512 keys.ts gives noble:
 *   - a 64-byte signature and a 32-byte key, else false;
 *   - A (the key) and R (the signature's first half) decoded strictly by `Point.fromBytes(…, false)`:
 *     y ≥ p and x = 0 with the sign bit set are refused, as is a y with no point;
 *   - S (the second half) read little-endian; S ≥ L refused (as noble's `B.multiply` refuses it),
 *     S = 0 the identity;
 *   - a small-order A refused;
 *   - k = SHA-512(R bytes ‖ key bytes ‖ message) mod L, over the exact bytes given;
 *   - accepted iff [8](R + [k]A − [S]B) is the identity (noble's strict branch is cofactored too).
 * The only change is how [S]B is computed: as [L − S](−B). B has order L, so [L − S](−B) =
 * [S − L]B = [S]B, and −B is not B, so noble's `multiply` takes the ladder instead of the table.
 * (A key that is B itself, secret scalar 1, would still build the table in [k]A; same answer.)
 * test/unit/provenance/ladder-verify.test.ts checks it against `ed.verify` on RFC 8032's vectors,
 * random and mutated signatures, every small-order point and non-canonical encodings.
 *
 * keys.ts uses this for the first VERIFY_WITHOUT_TABLE checks of a process, then `ed.verify`.
 */
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

const { Point } = ed
const L = Point.CURVE().n
const ENCODING_LENGTH = 32
const SIGNATURE_LENGTH = 2 * ENCODING_LENGTH
const MINUS_BASE = Point.BASE.negate()

/** RFC 8032's integer encoding: little-endian bytes. */
function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index] ?? 0)
  return value
}

function challengeHash(rBytes: Uint8Array, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const hashed = new Uint8Array(rBytes.length + publicKey.length + message.length)
  hashed.set(rBytes, 0)
  hashed.set(publicKey, rBytes.length)
  hashed.set(message, rBytes.length + publicKey.length)
  return sha512(hashed)
}

/**
 * What `ed.verify(signature, message, publicKey, { zip215: false })` answers, without building
 * noble's base-point table. False, never a throw, for any malformed input.
 */
export function verifyWithoutTable(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== ENCODING_LENGTH) return false
  try {
    const a = Point.fromBytes(publicKey, false)
    const rBytes = signature.subarray(0, ENCODING_LENGTH)
    const r = Point.fromBytes(rBytes, false)
    const s = littleEndian(signature.subarray(ENCODING_LENGTH))
    if (s >= L) return false
    // [S]B as [L − S](−B): a point other than B takes noble's ladder, not its base-point table.
    const sB = s === 0n ? Point.ZERO : MINUS_BASE.multiply(L - s, false)
    if (a.isSmallOrder()) return false
    const k = littleEndian(challengeHash(rBytes, publicKey, message)) % L
    return r.add(a.multiply(k, false)).subtract(sB).clearCofactor().is0()
  } catch {
    return false
  }
}
