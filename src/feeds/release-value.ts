/**
 * The BEP 46 value of a Vouch feed item (docs/formats.md, "Feeds"): a bencoded dictionary with
 * `ih`, the 20-byte v1 infohash BEP 46 defines, plus Vouch's own keys: `vouch`, the release's
 * envelopes (each its bencoded bytes, as a string), and optionally `expires`, the time after which
 * a follower shows the feed as stale unless a newer item has appeared. Other keys are ignored, so
 * plain BEP 46 readers and writers interoperate. Encoded, it must stay within BEP 44's 1000 bytes.
 */
import {
  BencodeError,
  decodeBencode,
  encodeBencode,
  entryOf,
  type BencodeValue,
} from '../provenance/bencode.ts'
import {
  EnvelopeError,
  INFOHASH_LENGTH,
  MAX_TIME_SECONDS,
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
} from '../provenance/envelope.ts'
import { MAX_VALUE_BYTES } from './bep44.ts'

/** Most envelopes one release item carries (co-signers, or the k of a threshold group). */
export const MAX_RELEASE_ENVELOPES = 16

export interface ReleaseValue {
  infoHash: Uint8Array
  /** May be empty for an item written by another BEP 46 client (it then cannot pass the gate). */
  envelopes: Envelope[]
  /** Seconds since 1970. */
  expires?: number | undefined
}

/** A value that is not a release: becomes the audit kind `malformed`. */
export class ReleaseValueError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReleaseValueError'
  }
}

export function encodeReleaseValue(release: ReleaseValue): Uint8Array {
  if (release.infoHash.length !== INFOHASH_LENGTH)
    throw new ReleaseValueError(`ih must be ${INFOHASH_LENGTH} bytes`)
  if (release.envelopes.length > MAX_RELEASE_ENVELOPES)
    throw new ReleaseValueError(`at most ${MAX_RELEASE_ENVELOPES} envelopes fit one item`)
  const bytes = encodeBencode({
    ih: release.infoHash,
    vouch: release.envelopes.map(encodeEnvelope),
    expires: release.expires,
  })
  if (bytes.length > MAX_VALUE_BYTES)
    throw new ReleaseValueError(
      `the feed item would be ${bytes.length} bytes, more than BEP 44's ${MAX_VALUE_BYTES}: use a shorter torrent name or fewer signatures`,
    )
  return bytes
}

export function decodeReleaseValue(bytes: Uint8Array): ReleaseValue {
  let value: BencodeValue
  try {
    value = decodeBencode(bytes, { maxBytes: MAX_VALUE_BYTES, maxDepth: 4 })
  } catch (error) {
    if (error instanceof BencodeError) throw new ReleaseValueError(`not canonical bencode: ${error.message}`)
    throw error
  }
  if (value.type !== 'dictionary') throw new ReleaseValueError(`v is a ${value.type}, not a dictionary`)
  const ih = entryOf(value, 'ih')
  if (ih?.type !== 'bytes' || ih.value.length !== INFOHASH_LENGTH)
    throw new ReleaseValueError(`v has no ${INFOHASH_LENGTH}-byte 'ih'`)
  const envelopes: Envelope[] = []
  const list = entryOf(value, 'vouch')
  if (list !== undefined) {
    if (list.type !== 'list') throw new ReleaseValueError(`'vouch' is a ${list.type}, not a list`)
    if (list.items.length > MAX_RELEASE_ENVELOPES)
      throw new ReleaseValueError(`'vouch' has more than ${MAX_RELEASE_ENVELOPES} envelopes`)
    for (const item of list.items) {
      if (item.type !== 'bytes') throw new ReleaseValueError(`an envelope in 'vouch' is a ${item.type}`)
      try {
        envelopes.push(decodeEnvelope(item.value))
      } catch (error) {
        if (error instanceof EnvelopeError) throw new ReleaseValueError(`envelope: ${error.message}`)
        throw error
      }
    }
  }
  const expiresValue = entryOf(value, 'expires')
  let expires: number | undefined
  if (expiresValue !== undefined) {
    if (
      expiresValue.type !== 'integer' ||
      expiresValue.value < 0n ||
      expiresValue.value > BigInt(MAX_TIME_SECONDS)
    )
      throw new ReleaseValueError("'expires' is not a time in seconds")
    expires = Number(expiresValue.value)
  }
  return { infoHash: new Uint8Array(ih.value), envelopes, expires }
}
