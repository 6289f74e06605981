/**
 * BEP 44 mutable items, exactly as specified (docs/formats.md, "Feeds").
 *
 * target    = SHA-1(public key ‖ salt)
 * signed    = ("4:salt" len ":" salt, only when the salt is non-empty) "3:seqi" seq "e1:v" bencoded v
 * limits    salt ≤ 64 bytes, bencoded v ≤ 1000 bytes, seq a non-negative integer that only increases
 *
 * Pure functions over bytes. `v` is kept as its canonical bencoding: bittorrent-dht re-encodes
 * the value it is given before signing or checking, so a value that is not canonical would be
 * signed over other bytes than the ones stored.
 */
import { createHash } from 'node:crypto'
import { BencodeError, concatBytes, decodeBencode } from '../provenance/bencode.ts'
import {
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  sameBytes,
  signBytes,
  verifyBytes,
  type SecretKey,
} from '../provenance/keys.ts'

export const MAX_SALT_BYTES = 64
export const MAX_VALUE_BYTES = 1000
export const TARGET_LENGTH = 20

export interface MutableItem {
  publicKey: Uint8Array
  /** Empty for an item without salt. */
  salt: Uint8Array
  seq: number
  /** The canonical bencoding of `v`. */
  value: Uint8Array
  signature: Uint8Array
}

/** Why an item from the DHT is not the one asked for. Each is ignored and audited by the follower. */
export type ItemProblem =
  /** `v` is longer than 1000 bytes once bencoded. */
  | 'oversized'
  /** `v` is not canonical bencode (so its signature could cover other bytes). */
  | 'malformed'
  /** The answer names a salt other than the feed's: an item of another feed. */
  | 'wrong-salt'
  /** The key does not hash, with the salt, to the target asked for. */
  | 'wrong-key'
  /** The signature does not verify under the key. */
  | 'bad-signature'

const ascii = (text: string) => new TextEncoder().encode(text)

export function mutableTarget(publicKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(publicKey).update(salt).digest())
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`seq must be a whole number from 0 to 2^53-1, not ${seq}`)
}

/** The exact bytes signed for (salt, seq, v). */
export function signedPayload(salt: Uint8Array, seq: number, value: Uint8Array): Uint8Array {
  checkSeq(seq)
  const parts: Uint8Array[] = []
  if (salt.length > 0) parts.push(ascii(`4:salt${salt.length}:`), salt)
  parts.push(ascii(`3:seqi${seq}e1:v`), value)
  return concatBytes(parts)
}

/** A problem with the item's own shape, before any signature is checked; null when it is fine. */
export function shapeProblem(item: Pick<MutableItem, 'salt' | 'value'>): ItemProblem | null {
  if (item.value.length > MAX_VALUE_BYTES) return 'oversized'
  if (item.salt.length > MAX_SALT_BYTES) return 'wrong-salt'
  try {
    decodeBencode(item.value, { maxBytes: MAX_VALUE_BYTES, maxDepth: 8 })
  } catch (error) {
    if (error instanceof BencodeError) return 'malformed'
    throw error
  }
  return null
}

export function signMutableItem(
  fields: { salt: Uint8Array; seq: number; value: Uint8Array },
  key: SecretKey,
): MutableItem {
  const problem = shapeProblem(fields)
  if (problem === 'oversized')
    throw new RangeError(`the bencoded value is ${fields.value.length} bytes, more than ${MAX_VALUE_BYTES}`)
  if (problem === 'wrong-salt')
    throw new RangeError(`the salt is ${fields.salt.length} bytes, more than ${MAX_SALT_BYTES}`)
  if (problem) throw new RangeError('the value is not canonical bencode')
  const signature = signBytes(signedPayload(fields.salt, fields.seq, fields.value), key)
  return { ...fields, publicKey: key.publicKey, signature }
}

/** True when the signature is the key's over (salt, seq, v). Never throws. */
export function verifyMutableItem(item: MutableItem): boolean {
  if (item.publicKey.length !== PUBLIC_KEY_LENGTH || item.signature.length !== SIGNATURE_LENGTH) return false
  let payload: Uint8Array
  try {
    payload = signedPayload(item.salt, item.seq, item.value)
  } catch {
    return false
  }
  return verifyBytes(item.signature, payload, item.publicKey)
}

/**
 * Check an answer to a `get` for (publicKey, salt): null when it is a valid item of that feed.
 * `answeredSalt` is the salt the answering node put in its reply, if any (BEP 44 says it should
 * not; a node that does and names another feed's salt is answering for something else).
 */
export function itemProblem(
  item: MutableItem,
  expected: { publicKey: Uint8Array; salt: Uint8Array },
  answeredSalt?: Uint8Array,
): ItemProblem | null {
  if (answeredSalt !== undefined && !sameBytes(answeredSalt, expected.salt)) return 'wrong-salt'
  const shape = shapeProblem(item)
  if (shape) return shape
  if (!sameBytes(item.salt, expected.salt)) return 'wrong-salt'
  if (!sameBytes(mutableTarget(item.publicKey, item.salt), mutableTarget(expected.publicKey, expected.salt)))
    return 'wrong-key'
  if (!verifyMutableItem(item)) return 'bad-signature'
  return null
}
