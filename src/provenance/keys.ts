/**
 * Publisher keys: ed25519 (RFC 8032) through @noble/ed25519's synchronous API.
 *
 * Text forms (docs/formats.md, "Keys"):
 *   public   `vouch-ed25519 <base64url, 43 chars> [comment]`, or OpenSSH `ssh-ed25519 AAAA… [comment]`
 *   secret   a file whose one non-comment line is `vouch-ed25519-secret <base64url seed, 43 chars>`
 *   fingerprint  the first 8 bytes of SHA-256(public key) as hex in four groups: `1a2b-3c4d-5e6f-7a8b`
 * Malformed keys become VouchError('bad-input') naming the problem; nothing here throws anything else.
 */
import { createHash } from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { VouchError } from '../errors.ts'
import { verifyWithoutTable } from './ladder-verify.ts'

// The synchronous API needs a SHA-512; never use the async one where a boolean is expected.
ed.hashes.sha512 = sha512

export const PUBLIC_KEY_LENGTH = 32
export const SECRET_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64
export const PUBLIC_KEY_PREFIX = 'vouch-ed25519'
export const SECRET_KEY_PREFIX = 'vouch-ed25519-secret'
/** A key file (secret or public, or an OpenSSH line) is under 1 KiB; more is not a key file. */
export const MAX_KEY_FILE_BYTES = 16 * 1024
const SSH_KEY_TYPE = 'ssh-ed25519'
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}$/
const BASE64_STANDARD = /^[A-Za-z0-9+/]+={0,2}$/
/** Longest key text looked at; real ones are under 200 characters. */
const MAX_KEY_TEXT = 8 * 1024

export interface PublisherKey {
  publicKey: Uint8Array
  fingerprint: string
}

export interface SecretKey extends PublisherKey {
  secretKey: Uint8Array
}

export function fingerprintOf(publicKey: Uint8Array): string {
  const digest = createHash('sha256').update(publicKey).digest('hex').slice(0, 16)
  return digest.match(/.{4}/g)!.join('-')
}

/** `vouch-ed25519 <base64url>`: the form shown to people and accepted by `trust add`. */
export function formatPublicKey(publicKey: Uint8Array): string {
  return `${PUBLIC_KEY_PREFIX} ${Buffer.from(publicKey).toString('base64url')}`
}

export function formatSecretKeyFile(key: SecretKey): string {
  return [
    '# Vouch publisher key (ed25519). Keep this file secret: anyone holding it can sign as you.',
    `# fingerprint ${key.fingerprint}`,
    `# public key  ${formatPublicKey(key.publicKey)}`,
    `${SECRET_KEY_PREFIX} ${Buffer.from(key.secretKey).toString('base64url')}`,
    '',
  ].join('\n')
}

export function generateKey(seed?: Uint8Array): SecretKey {
  const { secretKey, publicKey } = ed.keygen(seed)
  return { secretKey, publicKey, fingerprint: fingerprintOf(publicKey) }
}

export function secretKeyFromSeed(seed: Uint8Array): SecretKey {
  if (seed.length !== SECRET_KEY_LENGTH)
    throw new VouchError('bad-input', `a secret key is ${SECRET_KEY_LENGTH} bytes, not ${seed.length}`)
  return generateKey(seed)
}

/** Sign with the synchronous API. */
export function signBytes(message: Uint8Array, key: SecretKey): Uint8Array {
  return ed.sign(message, key.secretKey)
}

/**
 * How many checks of a process go through ladder-verify.ts, which never builds noble's base-point
 * table. The table costs ≈ 4,200 point additions once; [S]B by the ladder costs ≈ 350 point
 * operations more per check than by the table: the table pays for itself after about 11 checks.
 * So a process checking a few signatures (every CLI command) never builds it, and a long-running
 * one (serve, the engine, a DHT feed) builds it after its first few checks.
 */
export const VERIFY_WITHOUT_TABLE = 8
let checksWithoutTableLeft = VERIFY_WITHOUT_TABLE

/**
 * RFC 8032 verification with noble's strict branch (canonical encodings, small-order keys
 * rejected). Returns false, never throws, for any malformed key or signature.
 */
export function verifyBytes(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false
  if (checksWithoutTableLeft > 0) {
    checksWithoutTableLeft--
    return verifyWithoutTable(signature, message, publicKey)
  }
  try {
    return ed.verify(signature, message, publicKey, { zip215: false }) === true
  } catch {
    return false
  }
}

/** A 32-byte string that decodes to a curve point of large order. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false
  try {
    const point = ed.Point.fromBytes(publicKey, false)
    return !point.isSmallOrder()
  } catch {
    return false
  }
}

function checkedPublicKey(bytes: Uint8Array, what: string): PublisherKey {
  if (!isValidPublicKey(bytes))
    throw new VouchError('bad-input', `${what}: not a valid ed25519 public key (not a usable curve point)`)
  return { publicKey: bytes, fingerprint: fingerprintOf(bytes) }
}

function decodeBase64url32(text: string, what: string): Uint8Array {
  if (!BASE64URL_32.test(text))
    throw new VouchError(
      'bad-input',
      `${what}: expected 43 base64url characters (32 bytes), got ${text.length} characters`,
    )
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  // 43 characters carry 258 bits; the last 2 must be zero or two texts would name one key.
  if (bytes.length !== 32 || Buffer.from(bytes).toString('base64url') !== text)
    throw new VouchError('bad-input', `${what}: not a canonical base64url encoding of 32 bytes`)
  return bytes
}

/** The OpenSSH wire blob: string "ssh-ed25519", string key (each a big-endian u32 length, then bytes). */
function parseSshBlob(base64: string): Uint8Array {
  const what = 'OpenSSH public key'
  if (!BASE64_STANDARD.test(base64) || base64.length % 4 !== 0)
    throw new VouchError('bad-input', `${what}: the key data is not base64`)
  const blob = new Uint8Array(Buffer.from(base64, 'base64'))
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  let offset = 0
  const readString = (): Uint8Array => {
    if (offset + 4 > blob.length) throw new VouchError('bad-input', `${what}: the key data is truncated`)
    const length = view.getUint32(offset)
    offset += 4
    if (length > blob.length - offset) throw new VouchError('bad-input', `${what}: the key data is truncated`)
    const value = blob.subarray(offset, offset + length)
    offset += length
    return value
  }
  const type = new TextDecoder().decode(readString())
  if (type !== SSH_KEY_TYPE)
    throw new VouchError('bad-input', `${what}: the key data says '${type.slice(0, 40)}', not ssh-ed25519`)
  const key = readString()
  if (key.length !== PUBLIC_KEY_LENGTH)
    throw new VouchError('bad-input', `${what}: the key is ${key.length} bytes, not ${PUBLIC_KEY_LENGTH}`)
  if (offset !== blob.length) throw new VouchError('bad-input', `${what}: extra bytes after the key`)
  return new Uint8Array(key)
}

/** Meaningful lines: trimmed, without blank lines and `#` comments. */
function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/**
 * A public key as people pass it: our `vouch-ed25519 …` line, an OpenSSH `ssh-ed25519 AAAA…` line,
 * or 64 hex digits. Throws VouchError('bad-input') naming the problem.
 */
export function parsePublicKey(input: string): PublisherKey {
  if (typeof input !== 'string') throw new VouchError('bad-input', 'a public key must be text')
  if (input.length > MAX_KEY_TEXT) throw new VouchError('bad-input', 'public key text is too long')
  const lines = keyLines(input)
  if (lines.length !== 1)
    throw new VouchError(
      'bad-input',
      lines.length === 0
        ? 'no public key found (expected "vouch-ed25519 …" or "ssh-ed25519 AAAA…")'
        : 'expected exactly one public key line',
    )
  const [type = '', data = ''] = (lines[0] as string).split(/\s+/)
  if (type === PUBLIC_KEY_PREFIX) return checkedPublicKey(decodeBase64url32(data, 'public key'), 'public key')
  if (type === SSH_KEY_TYPE) return checkedPublicKey(parseSshBlob(data), 'OpenSSH public key')
  if (type === SECRET_KEY_PREFIX)
    throw new VouchError('bad-input', 'this is a secret key; pin the public key (the .pub file) instead')
  if (/^[0-9a-f]{64}$/i.test(type) && data === '')
    return checkedPublicKey(new Uint8Array(Buffer.from(type, 'hex')), 'public key')
  throw new VouchError(
    'bad-input',
    `not a public key: expected "${PUBLIC_KEY_PREFIX} …", "ssh-ed25519 AAAA…" or 64 hex digits`,
  )
}

/** The contents of a secret key file. Throws VouchError('bad-input') naming the problem. */
export function parseSecretKeyFile(text: string): SecretKey {
  if (text.length > MAX_KEY_TEXT) throw new VouchError('bad-input', 'secret key file is too long')
  const lines = keyLines(text)
  const keyLine = lines.filter((line) => line.startsWith(`${SECRET_KEY_PREFIX} `))
  if (keyLine.length !== 1 || lines.length !== 1)
    throw new VouchError(
      'bad-input',
      `not a Vouch secret key file: expected one "${SECRET_KEY_PREFIX} …" line (make one with vouch keygen)`,
    )
  const data = (keyLine[0] as string).slice(SECRET_KEY_PREFIX.length).trim()
  return secretKeyFromSeed(decodeBase64url32(data, 'secret key'))
}

/** A secret key file, a public key line, or an OpenSSH line: whatever `trust add` was given. */
export function parseAnyPublicKey(text: string): PublisherKey {
  if (keyLines(text).some((line) => line.startsWith(`${SECRET_KEY_PREFIX} `))) {
    const { publicKey, fingerprint } = parseSecretKeyFile(text)
    return { publicKey, fingerprint }
  }
  return parsePublicKey(text)
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}
