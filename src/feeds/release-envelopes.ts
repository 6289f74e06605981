/**
 * How a feed item carries its release's envelopes (docs/formats.md, "Feeds"): one envelope as the
 * plain `vouch` list, two or more as the compact `vouch2` dictionary. Co-signers of one release sign
 * the same torrent, so their envelopes repeat `info-sha256`, `length`, `name` (and usually `v`,
 * `sequence`, `sources-sha256`); `vouch2` writes each such field once, under `s`, and only what
 * differs per signer under `e`. `infohash` is left out: it is the item's `ih`. The reader rebuilds
 * every envelope byte for byte (the fields' own bytes, keys in canonical order), so what it hands
 * to decodeEnvelope and the gate is exactly what each signer signed.
 */
import {
  compareBytes,
  concatBytes,
  decodeBencode,
  type BencodeDictionary,
  type BencodeValue,
  type Encodable,
} from '../provenance/bencode.ts'
import { EnvelopeError, decodeEnvelope, encodeEnvelope, type Envelope } from '../provenance/envelope.ts'
import { sameBytes } from '../provenance/keys.ts'

/** Most envelopes one release item may carry (a parsing bound; see SIGNERS_THAT_FIT). */
export const MAX_RELEASE_ENVELOPES = 16
/**
 * Signatures that fit one 1000-byte item for a release with a 40-byte name, version 2 envelopes
 * with a sequence and no expiry of their own, and the item's `expires` (test/unit/feeds/compact.test.ts).
 */
export const SIGNERS_THAT_FIT = 5

/** A value that is not a release: becomes the audit kind `malformed`. */
export class ReleaseValueError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReleaseValueError'
  }
}

const INFOHASH = 'infohash'
/** Fields describing the torrent itself: every envelope of a release must carry them alike. */
const RELEASE_FIELDS = new Set(['info-sha256', 'length', 'name'])
/** Fields that belong to one signer: never shared. */
const SIGNER_FIELDS = new Set(['key', 'signature'])
const COMPACT_KEYS = new Set(['e', 's'])

interface Field {
  key: Uint8Array
  /** The value's canonical bencoding, as the envelope carries it. */
  raw: Uint8Array
  value: Encodable
}

function fieldsOf(bytes: Uint8Array, dictionary: BencodeDictionary): Map<string, Field> {
  const fields = new Map<string, Field>()
  for (const entry of dictionary.entries) {
    fields.set(entry.name, {
      key: entry.key,
      raw: bytes.subarray(entry.value.start, entry.value.end),
      value: encodableOf(entry.value),
    })
  }
  return fields
}

function encodableOf(value: BencodeValue): Encodable {
  if (value.type === 'integer') return value.value
  if (value.type === 'bytes') return value.value
  // Envelope fields are integers and strings only (decodeEnvelope refuses anything else).
  throw new ReleaseValueError(`an envelope field is a ${value.type}`)
}

/** The `vouch2` dictionary for two or more envelopes of the release `infoHash`. */
export function compactEnvelopes(infoHash: Uint8Array, envelopes: readonly Envelope[]): Encodable {
  if (envelopes.length < 2) throw new ReleaseValueError("'vouch2' is for two or more envelopes")
  const signers = envelopes.map((envelope, index) => {
    if (!sameBytes(envelope.infoHash, infoHash))
      throw new ReleaseValueError(
        `envelope ${index + 1} is for infohash ${hex(envelope.infoHash)}, not the item's ih ${hex(infoHash)}`,
      )
    const bytes = encodeEnvelope(envelope)
    return fieldsOf(bytes, decodeBencode(bytes) as BencodeDictionary)
  })
  const names = new Set(signers.flatMap((fields) => [...fields.keys()]))
  names.delete(INFOHASH)
  const shared: Record<string, Encodable> = {}
  const own: Record<string, Encodable>[] = signers.map(() => ({}))
  for (const name of names) {
    const first = signers[0]?.get(name)
    const alike =
      first !== undefined &&
      signers.every((fields) => sameBytes(fields.get(name)?.raw ?? new Uint8Array(), first.raw))
    if (alike && !SIGNER_FIELDS.has(name)) {
      shared[name] = first.value
      continue
    }
    if (RELEASE_FIELDS.has(name))
      throw new ReleaseValueError(
        `the envelopes disagree on '${name}': every co-signer must sign the same torrent`,
      )
    signers.forEach((fields, index) => {
      const field = fields.get(name)
      if (field) (own[index] as Record<string, Encodable>)[name] = field.value
    })
  }
  return { e: own, s: shared }
}

/**
 * Rebuild and decode the envelopes of a `vouch2` value read from `bytes` (the spans in `value`
 * point into `bytes`). Every failure is a ReleaseValueError.
 */
export function expandEnvelopes(bytes: Uint8Array, value: BencodeValue, infoHash: Uint8Array): Envelope[] {
  if (value.type !== 'dictionary')
    throw new ReleaseValueError(`'vouch2' is a ${value.type}, not a dictionary`)
  for (const entry of value.entries)
    if (!COMPACT_KEYS.has(entry.name))
      throw new ReleaseValueError(`'vouch2' has an unknown key '${printable(entry.name)}'`)
  const sharedValue = value.entries.find((entry) => entry.name === 's')?.value
  const list = value.entries.find((entry) => entry.name === 'e')?.value
  if (sharedValue?.type !== 'dictionary') throw new ReleaseValueError("'vouch2' has no dictionary 's'")
  if (list?.type !== 'list') throw new ReleaseValueError("'vouch2' has no list 'e'")
  if (list.items.length < 2)
    throw new ReleaseValueError(`'vouch2' has ${list.items.length} envelope(s): one goes in 'vouch'`)
  if (list.items.length > MAX_RELEASE_ENVELOPES)
    throw new ReleaseValueError(`'vouch2' has more than ${MAX_RELEASE_ENVELOPES} envelopes`)
  const shared = fieldsOf(bytes, sharedValue)
  for (const name of shared.keys())
    if (name === INFOHASH || SIGNER_FIELDS.has(name))
      throw new ReleaseValueError(
        `'vouch2' shares '${name}', which ${name === INFOHASH ? "is the item's ih" : 'is per signer'}`,
      )
  for (const name of RELEASE_FIELDS)
    if (!shared.has(name)) throw new ReleaseValueError(`'vouch2' does not share '${name}'`)
  const infoHashField: Field = {
    key: new TextEncoder().encode(INFOHASH),
    raw: concatBytes([new TextEncoder().encode(`${infoHash.length}:`), infoHash]),
    value: infoHash,
  }
  return list.items.map((item, index) => {
    const which = `'vouch2' envelope ${index + 1}`
    if (item.type !== 'dictionary')
      throw new ReleaseValueError(`${which} is a ${item.type}, not a dictionary`)
    const own = fieldsOf(bytes, item)
    for (const name of own.keys())
      if (name === INFOHASH || shared.has(name))
        throw new ReleaseValueError(
          `${which} repeats '${printable(name)}', which is ${name === INFOHASH ? "the item's ih" : 'shared'}`,
        )
    for (const name of SIGNER_FIELDS)
      if (!own.has(name)) throw new ReleaseValueError(`${which} has no '${name}'`)
    const fields = [...shared.values(), ...own.values(), infoHashField].sort((a, b) =>
      compareBytes(a.key, b.key),
    )
    const rebuilt = concatBytes([
      Uint8Array.of(0x64),
      ...fields.flatMap((field) => [new TextEncoder().encode(`${field.key.length}:`), field.key, field.raw]),
      Uint8Array.of(0x65),
    ])
    try {
      return decodeEnvelope(rebuilt)
    } catch (error) {
      if (error instanceof EnvelopeError) throw new ReleaseValueError(`${which}: ${error.message}`)
      throw error
    }
  })
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)
}
