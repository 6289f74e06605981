/**
 * The signed-metadata envelope (docs/formats.md, "Envelope").
 *
 * A statement is a canonical bencode dictionary binding one torrent's v1 infohash, the SHA-256 of
 * its info dictionary's bytes, its name and total length, a creation time, an optional expiry and
 * sequence number, and the publisher's key. The signature covers the ASCII domain prefix
 * `vouch-envelope-v1`, a zero byte, then the encoded statement; the envelope is the statement's
 * dictionary with the 64-byte `signature` added.
 */
import {
  BencodeError,
  decodeBencode,
  encodeBencode,
  entryOf,
  concatBytes,
  type BencodeDictionary,
  type BencodeValue,
} from './bencode.ts'
import {
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  sameBytes,
  signBytes,
  verifyBytes,
  type SecretKey,
} from './keys.ts'

export const ENVELOPE_DOMAIN = new TextEncoder().encode('vouch-envelope-v1\0')
export const ENVELOPE_VERSION = 1
/** Version 2 = version 1 plus `sources-sha256` (the tracker and web-seed lists); v1 stays valid. */
export const ENVELOPE_VERSION_SOURCES = 2
export const INFOHASH_LENGTH = 20
export const SHA256_LENGTH = 32
/** Longest torrent name an envelope may carry, in bytes. */
export const MAX_NAME_BYTES = 4096
/** Largest encoded envelope accepted from any carrier. */
export const MAX_ENVELOPE_BYTES = 8 * 1024
/** Times are whole seconds since 1970 and may not pass the end of year 9999. */
export const MAX_TIME_SECONDS = 253_402_300_799

export interface Statement {
  /** v1 infohash: SHA-1 of the info dictionary's bytes. */
  infoHash: Uint8Array
  /** SHA-256 of the same bytes. */
  infoSha256: Uint8Array
  /** The info dictionary's `name`, as raw bytes. */
  name: Uint8Array
  /** Total length of the torrent's content in bytes. */
  length: number
  /** Seconds since 1970. */
  created: number
  expires?: number | undefined
  /** Per-publisher counter for rollback protection. */
  sequence?: number | undefined
  /**
   * SHA-256 of the .torrent's top-level `announce`, `announce-list` and `url-list` entries
   * (torrent.ts `sourcesDigest`); present only in version 2 envelopes.
   */
  sourcesSha256?: Uint8Array | undefined
  publicKey: Uint8Array
}

export interface Envelope extends Statement {
  signature: Uint8Array
}

/** Why an envelope could not be read. Becomes the policy reason `malformed`. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EnvelopeError'
  }
}

const KEYS = {
  created: 'created',
  expires: 'expires',
  infoSha256: 'info-sha256',
  infoHash: 'infohash',
  publicKey: 'key',
  length: 'length',
  name: 'name',
  sequence: 'sequence',
  signature: 'signature',
  sourcesSha256: 'sources-sha256',
  version: 'v',
} as const
const KNOWN_KEYS = new Set<string>(Object.values(KEYS))

function statementDictionary(statement: Statement) {
  return {
    [KEYS.created]: statement.created,
    [KEYS.expires]: statement.expires,
    [KEYS.infoSha256]: statement.infoSha256,
    [KEYS.infoHash]: statement.infoHash,
    [KEYS.publicKey]: statement.publicKey,
    [KEYS.length]: statement.length,
    [KEYS.name]: statement.name,
    [KEYS.sequence]: statement.sequence,
    [KEYS.sourcesSha256]: statement.sourcesSha256,
    [KEYS.version]: statement.sourcesSha256 ? ENVELOPE_VERSION_SOURCES : ENVELOPE_VERSION,
  }
}

export function encodeStatement(statement: Statement): Uint8Array {
  checkStatement(statement)
  return encodeBencode(statementDictionary(statement))
}

/** The exact bytes the publisher signs: domain prefix, then the encoded statement. */
export function signedMessage(statement: Statement): Uint8Array {
  return concatBytes([ENVELOPE_DOMAIN, encodeStatement(statement)])
}

export function signStatement(statement: Omit<Statement, 'publicKey'>, key: SecretKey): Envelope {
  const full: Statement = { ...statement, publicKey: key.publicKey }
  return { ...full, signature: signBytes(signedMessage(full), key) }
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  checkStatement(envelope)
  return encodeBencode({ ...statementDictionary(envelope), [KEYS.signature]: envelope.signature })
}

/** True when the signature is the publisher key's over this statement. Never throws. */
export function verifyEnvelopeSignature(envelope: Envelope): boolean {
  let message: Uint8Array
  try {
    message = signedMessage(envelope)
  } catch {
    return false
  }
  return verifyBytes(envelope.signature, message, envelope.publicKey)
}

/** Decode an envelope from its bencoded bytes (magnet parameter, sidecar line). */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length > MAX_ENVELOPE_BYTES)
    throw new EnvelopeError(`envelope is ${bytes.length} bytes, more than ${MAX_ENVELOPE_BYTES}`)
  let value: BencodeValue
  try {
    value = decodeBencode(bytes, { maxBytes: MAX_ENVELOPE_BYTES, maxDepth: 2 })
  } catch (error) {
    if (error instanceof BencodeError)
      throw new EnvelopeError(`envelope is not valid bencode: ${error.message}`)
    throw error
  }
  return envelopeFromValue(value)
}

/** Read an envelope already decoded as part of a larger document (a .torrent's `vouch` list). */
export function envelopeFromValue(value: BencodeValue): Envelope {
  if (value.type !== 'dictionary') throw new EnvelopeError(`envelope is a ${value.type}, not a dictionary`)
  if (value.end - value.start > MAX_ENVELOPE_BYTES)
    throw new EnvelopeError(`envelope is more than ${MAX_ENVELOPE_BYTES} bytes`)
  for (const entry of value.entries) {
    if (!KNOWN_KEYS.has(entry.name))
      throw new EnvelopeError(`envelope has an unknown field '${printable(entry.name)}'`)
  }
  const version = integerField(value, KEYS.version, true)
  if (version !== ENVELOPE_VERSION && version !== ENVELOPE_VERSION_SOURCES)
    throw new EnvelopeError(
      `envelope version ${version} is not supported (expected ${ENVELOPE_VERSION} or ${ENVELOPE_VERSION_SOURCES})`,
    )
  const hasSources = entryOf(value, KEYS.sourcesSha256) !== undefined
  if (hasSources !== (version === ENVELOPE_VERSION_SOURCES))
    throw new EnvelopeError(
      `envelope version ${version} ${hasSources ? 'may not have' : 'needs'} '${KEYS.sourcesSha256}'`,
    )
  const envelope: Envelope = {
    infoHash: bytesField(value, KEYS.infoHash, INFOHASH_LENGTH),
    infoSha256: bytesField(value, KEYS.infoSha256, SHA256_LENGTH),
    name: bytesField(value, KEYS.name),
    length: integerField(value, KEYS.length, true) as number,
    created: integerField(value, KEYS.created, true) as number,
    expires: integerField(value, KEYS.expires, false),
    sequence: integerField(value, KEYS.sequence, false),
    publicKey: bytesField(value, KEYS.publicKey, PUBLIC_KEY_LENGTH),
    signature: bytesField(value, KEYS.signature, SIGNATURE_LENGTH),
  }
  if (hasSources) envelope.sourcesSha256 = bytesField(value, KEYS.sourcesSha256, SHA256_LENGTH)
  try {
    checkStatement(envelope)
  } catch (error) {
    throw new EnvelopeError((error as Error).message)
  }
  return envelope
}

function bytesField(dictionary: BencodeDictionary, name: string, length?: number): Uint8Array {
  const value = entryOf(dictionary, name)
  if (!value) throw new EnvelopeError(`envelope has no '${name}'`)
  if (value.type !== 'bytes') throw new EnvelopeError(`envelope '${name}' is a ${value.type}, not a string`)
  if (length !== undefined && value.value.length !== length)
    throw new EnvelopeError(`envelope '${name}' is ${value.value.length} bytes, not ${length}`)
  return new Uint8Array(value.value)
}

function integerField(dictionary: BencodeDictionary, name: string, required: boolean): number | undefined {
  const value = entryOf(dictionary, name)
  if (!value) {
    if (required) throw new EnvelopeError(`envelope has no '${name}'`)
    return undefined
  }
  if (value.type !== 'integer')
    throw new EnvelopeError(`envelope '${name}' is a ${value.type}, not an integer`)
  if (value.value < 0n || value.value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new EnvelopeError(`envelope '${name}' is out of range (${String(value.value).slice(0, 24)})`)
  return Number(value.value)
}

function isWholeNumber(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max
}

/** The rules every statement obeys, whether built here or read from a carrier. */
function checkStatement(statement: Statement): void {
  const fail = (message: string): never => {
    throw new EnvelopeError(message)
  }
  if (!(statement.infoHash instanceof Uint8Array) || statement.infoHash.length !== INFOHASH_LENGTH)
    fail(`infohash must be ${INFOHASH_LENGTH} bytes`)
  if (!(statement.infoSha256 instanceof Uint8Array) || statement.infoSha256.length !== SHA256_LENGTH)
    fail(`info-sha256 must be ${SHA256_LENGTH} bytes`)
  if (!(statement.publicKey instanceof Uint8Array) || statement.publicKey.length !== PUBLIC_KEY_LENGTH)
    fail(`key must be ${PUBLIC_KEY_LENGTH} bytes`)
  if (!(statement.name instanceof Uint8Array) || statement.name.length === 0)
    fail('name must be a non-empty string')
  if (statement.name.length > MAX_NAME_BYTES) fail(`name is longer than ${MAX_NAME_BYTES} bytes`)
  if (!isWholeNumber(statement.length, Number.MAX_SAFE_INTEGER) || statement.length === 0)
    fail('length must be a positive whole number of bytes')
  if (!isWholeNumber(statement.created, MAX_TIME_SECONDS)) fail('created must be a time in seconds')
  if (statement.expires !== undefined) {
    if (!isWholeNumber(statement.expires, MAX_TIME_SECONDS)) fail('expires must be a time in seconds')
    if ((statement.expires as number) <= statement.created) fail('expires must be later than created')
  }
  if (statement.sequence !== undefined && !isWholeNumber(statement.sequence, Number.MAX_SAFE_INTEGER))
    fail('sequence must be a whole number')
  if (
    statement.sourcesSha256 !== undefined &&
    (!(statement.sourcesSha256 instanceof Uint8Array) || statement.sourcesSha256.length !== SHA256_LENGTH)
  )
    fail(`sources-sha256 must be ${SHA256_LENGTH} bytes`)
}

/** Two envelopes from one publisher for one torrent: the later replaces the earlier in a carrier. */
export function sameSigner(a: Envelope, b: Envelope): boolean {
  return sameBytes(a.publicKey, b.publicKey)
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)
}
