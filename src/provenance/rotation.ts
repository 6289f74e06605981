/**
 * Key rotation (docs/formats.md, "Key rotation"): a statement that hands a pin from an old key to a
 * new one, signed by the old key, or by `threshold` distinct keys of the old key's group. Applying
 * it pins the new key with the old one's name, scope and expiry, puts the new key in the old one's
 * place in its groups, and keeps the old key listed with `rotatedTo` (its history stays; it signs
 * nothing new: envelopes it makes from the rotation on are refused). A statement from an unpinned
 * or revoked key is refused.
 */
import {
  BencodeError,
  concatBytes,
  decodeBencode,
  encodeBencode,
  entryOf,
  type BencodeDictionary,
} from './bencode.ts'
import { VouchError } from '../errors.ts'
import {
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  fingerprintOf,
  formatPublicKey,
  signBytes,
  verifyBytes,
  type SecretKey,
} from './keys.ts'
import type { PinnedPublisher, TrustFile } from './trust-file.ts'

export const ROTATION_DOMAIN = new TextEncoder().encode('vouch-rotation-v1\0')
const MAX_ROTATION_BYTES = 4096

export interface RotationStatement {
  oldKey: Uint8Array
  newKey: Uint8Array
  /** Seconds since 1970. */
  created: number
  signatures: { key: Uint8Array; signature: Uint8Array }[]
}

export function rotationMessage(statement: Omit<RotationStatement, 'signatures'>): Uint8Array {
  return concatBytes([
    ROTATION_DOMAIN,
    encodeBencode({ created: statement.created, new: statement.newKey, old: statement.oldKey, v: 1 }),
  ])
}

export function signRotation(
  statement: Omit<RotationStatement, 'signatures'>,
  keys: readonly SecretKey[],
): RotationStatement {
  const message = rotationMessage(statement)
  return {
    ...statement,
    signatures: keys.map((key) => ({ key: key.publicKey, signature: signBytes(message, key) })),
  }
}

export function encodeRotation(statement: RotationStatement): Uint8Array {
  return encodeBencode({
    created: statement.created,
    new: statement.newKey,
    old: statement.oldKey,
    signatures: statement.signatures.map(({ key, signature }) => ({ key, sig: signature })),
    v: 1,
  })
}

function bad(why: string): VouchError {
  return new VouchError('bad-input', `not a rotation statement: ${why}`)
}

function bytesOf(dictionary: BencodeDictionary, name: string, length: number): Uint8Array {
  const value = entryOf(dictionary, name)
  if (value?.type !== 'bytes' || value.value.length !== length) throw bad(`'${name}' is not ${length} bytes`)
  return new Uint8Array(value.value)
}

export function decodeRotation(bytes: Uint8Array): RotationStatement {
  let value
  try {
    value = decodeBencode(bytes, { maxBytes: MAX_ROTATION_BYTES, maxDepth: 3 })
  } catch (error) {
    if (error instanceof BencodeError) throw bad(error.message)
    throw error
  }
  if (value.type !== 'dictionary') throw bad('not a dictionary')
  const version = entryOf(value, 'v')
  if (version?.type !== 'integer' || version.value !== 1n) throw bad('version is not 1')
  const created = entryOf(value, 'created')
  if (created?.type !== 'integer' || created.value < 0n || created.value > 253_402_300_799n)
    throw bad("'created' is not a time")
  const list = entryOf(value, 'signatures')
  if (list?.type !== 'list' || list.items.length === 0 || list.items.length > 16)
    throw bad("'signatures' is not 1 to 16 entries")
  const signatures = list.items.map((item) => {
    if (item.type !== 'dictionary') throw bad('a signature entry is not a dictionary')
    return { key: bytesOf(item, 'key', PUBLIC_KEY_LENGTH), signature: bytesOf(item, 'sig', SIGNATURE_LENGTH) }
  })
  return {
    oldKey: bytesOf(value, 'old', PUBLIC_KEY_LENGTH),
    newKey: bytesOf(value, 'new', PUBLIC_KEY_LENGTH),
    created: Number(created.value),
    signatures,
  }
}

/** Apply a rotation to the trust file (inside TrustStore's locked update). */
export function applyRotation(file: TrustFile, statement: RotationStatement, now: Date): PinnedPublisher {
  const oldFingerprint = fingerprintOf(statement.oldKey)
  const newFingerprint = fingerprintOf(statement.newKey)
  const refuse = (why: string) =>
    new VouchError('refused', `rotation from ${oldFingerprint} to ${newFingerprint} refused: ${why}`, {
      fingerprint: oldFingerprint,
    })
  const old = file.publishers.find((publisher) => publisher.fingerprint === oldFingerprint)
  if (!old) throw refuse('the old key is not pinned')
  if (old.revokedAt) throw refuse('the old key is revoked')
  if (old.rotatedTo) throw refuse(`the old key was already rotated to ${old.rotatedTo}`)
  if (oldFingerprint === newFingerprint) throw refuse('the new key is the old key')
  const message = rotationMessage(statement)
  const valid = new Set(
    statement.signatures
      .filter(({ key, signature }) => verifyBytes(signature, message, key))
      .map(({ key }) => fingerprintOf(key)),
  )
  const groups = file.groups.filter((group) => group.members.includes(oldFingerprint))
  const byOldKey = valid.has(oldFingerprint)
  const byGroup = groups.some(
    (group) =>
      group.members.filter(
        (member) =>
          valid.has(member) &&
          !file.publishers.some((publisher) => publisher.fingerprint === member && publisher.revokedAt),
      ).length >= group.threshold,
  )
  if (!byOldKey && !byGroup)
    throw refuse(
      groups.length > 0
        ? 'it is signed neither by the old key nor by a threshold of its group'
        : 'it is not signed by the old key',
    )
  const existing = file.publishers.find((publisher) => publisher.fingerprint === newFingerprint)
  if (existing?.revokedAt) throw refuse('the new key is revoked')
  const at = now.toISOString()
  old.rotatedTo = newFingerprint
  old.rotatedAt = at
  const pinned: PinnedPublisher = {
    fingerprint: newFingerprint,
    publicKey: formatPublicKey(statement.newKey),
    name: old.name,
    pinnedAt: existing?.pinnedAt ?? at,
    expires: old.expires,
    scope: old.scope,
    revokedAt: null,
  }
  file.publishers = [...file.publishers.filter((publisher) => publisher !== existing), pinned]
  for (const group of groups)
    group.members = group.members.map((member) => (member === oldFingerprint ? newFingerprint : member))
  return pinned
}
