/**
 * The BEP 46 value of a Vouch feed item (docs/formats.md, "Feeds"): a bencoded dictionary with
 * `ih`, the 20-byte v1 infohash BEP 46 defines, plus Vouch's own keys: the release's envelopes,
 * either `vouch` (a list of each one's bencoded bytes, for one envelope) or `vouch2` (the compact
 * form for co-signers, release-envelopes.ts), and optionally `expires`, the time after which
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
import {
  MAX_RELEASE_ENVELOPES,
  ReleaseValueError,
  SIGNERS_THAT_FIT,
  compactEnvelopes,
  expandEnvelopes,
} from './release-envelopes.ts'

export { MAX_RELEASE_ENVELOPES, ReleaseValueError, SIGNERS_THAT_FIT }

export interface ReleaseValue {
  infoHash: Uint8Array
  /** May be empty for an item written by another BEP 46 client (it then cannot pass the gate). */
  envelopes: Envelope[]
  /** Seconds since 1970. */
  expires?: number | undefined
}

export function encodeReleaseValue(release: ReleaseValue): Uint8Array {
  if (release.infoHash.length !== INFOHASH_LENGTH)
    throw new ReleaseValueError(`ih must be ${INFOHASH_LENGTH} bytes`)
  if (release.envelopes.length > MAX_RELEASE_ENVELOPES)
    throw new ReleaseValueError(`at most ${MAX_RELEASE_ENVELOPES} envelopes fit one item`)
  const bytes = encodeBencode({
    ih: release.infoHash,
    vouch: release.envelopes.length <= 1 ? release.envelopes.map(encodeEnvelope) : undefined,
    vouch2: release.envelopes.length > 1 ? compactEnvelopes(release.infoHash, release.envelopes) : undefined,
    expires: release.expires,
  })
  if (bytes.length > MAX_VALUE_BYTES)
    throw new ReleaseValueError(
      `the feed item would be ${bytes.length} bytes, more than BEP 44's ${MAX_VALUE_BYTES} (an item holds ${SIGNERS_THAT_FIT} signatures for a torrent with a 40-byte name): use a shorter torrent name or fewer signatures`,
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
  // python-libtorrent's dht_put_mutable_item can put only a string: it carries the dictionary's
  // bencoding. The signature covers that string, so reading the dictionary inside is as safe.
  if (value.type === 'bytes' && value.value[0] === 0x64) return decodeReleaseValue(value.value)
  if (value.type !== 'dictionary') throw new ReleaseValueError(`v is a ${value.type}, not a dictionary`)
  const ih = entryOf(value, 'ih')
  if (ih?.type !== 'bytes' || ih.value.length !== INFOHASH_LENGTH)
    throw new ReleaseValueError(`v has no ${INFOHASH_LENGTH}-byte 'ih'`)
  const compact = entryOf(value, 'vouch2')
  const list = entryOf(value, 'vouch')
  if (compact !== undefined && list !== undefined)
    throw new ReleaseValueError("v carries both 'vouch' and 'vouch2'")
  const envelopes: Envelope[] = compact ? expandEnvelopes(bytes, compact, ih.value) : []
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
