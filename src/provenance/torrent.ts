/**
 * What provenance needs from a .torrent, read from its exact bytes: the info dictionary's span (for
 * the v1 infohash and its SHA-256), the name and total length, and the envelopes carried in the
 * top-level `vouch` list, which sits outside the info dictionary so the infohash stays the swarm's.
 */
import { hash } from 'node:crypto'
import {
  BencodeError,
  compareBytes,
  concatBytes,
  decodeBencode,
  encodeBencode,
  entryOf,
  type BencodeDictionary,
} from './bencode.ts'
import { EnvelopeError, encodeEnvelope, envelopeFromValue, sameSigner, type Envelope } from './envelope.ts'

/** The top-level key holding a list of envelopes. */
export const TORRENT_ENVELOPES_KEY = 'vouch'
/** Most envelopes (co-signatures) read from one carrier. */
export const MAX_ENVELOPES = 16

/** The fields an envelope binds, as they are in the metadata actually at hand. */
export interface TorrentFacts {
  /** Lowercase hex. */
  infoHash: string
  infoSha256: Uint8Array
  name: Uint8Array
  length: number
  /** A .torrent's tracker and web-seed lists, digested (sourcesDigest); unknown for bare metadata. */
  sourcesSha256?: Uint8Array
}

/** One envelope as found in a carrier: read, or the reason it could not be. */
export type EnvelopeCandidate =
  { ok: true; envelope: Envelope; carrier: string } | { ok: false; error: string; carrier: string }

export interface ProvenanceTorrent {
  facts: TorrentFacts
  infoBytes: Uint8Array
  envelopes: EnvelopeCandidate[]
  /** Every top-level key of the .torrent, in order (for naming what no signature covers). */
  topLevelKeys: string[]
}

/** The torrent itself cannot be read strictly; the gate turns this into the reason `malformed`. */
export class TorrentFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TorrentFormatError'
  }
}

// crypto.hash: one call, no Hash object (three digests per .torrent read, 2,000 at a resume).
export function sha1Hex(bytes: Uint8Array): string {
  return hash('sha1', bytes, 'hex')
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', bytes, 'buffer'))
}

function decodeTop(bytes: Uint8Array): BencodeDictionary {
  let top
  try {
    top = decodeBencode(bytes)
  } catch (error) {
    if (error instanceof BencodeError) throw new TorrentFormatError(`not canonical bencode: ${error.message}`)
    throw error
  }
  if (top.type !== 'dictionary') throw new TorrentFormatError('the torrent is not a dictionary')
  return top
}

/** The binding fields of an info dictionary given as its exact bytes. */
export function factsFromInfo(infoBytes: Uint8Array): TorrentFacts {
  let info
  try {
    info = decodeBencode(infoBytes)
  } catch (error) {
    if (error instanceof BencodeError)
      throw new TorrentFormatError(`info dictionary is not canonical bencode: ${error.message}`)
    throw error
  }
  if (info.type !== 'dictionary') throw new TorrentFormatError('info is not a dictionary')
  return factsFromDictionary(info, infoBytes)
}

function factsFromDictionary(info: BencodeDictionary, infoBytes: Uint8Array): TorrentFacts {
  const name = entryOf(info, 'name')
  if (name?.type !== 'bytes' || name.value.length === 0)
    throw new TorrentFormatError('info dictionary has no name')
  // WebTorrent (parse-torrent) names the torrent and saves it under `name.utf-8` when present, so
  // the name that is signed, scoped and shown must be that one too.
  const utf8Name = entryOf(info, 'name.utf-8')
  if (utf8Name && (utf8Name.type !== 'bytes' || compareBytes(utf8Name.value, name.value) !== 0))
    throw new TorrentFormatError("info dictionary's name.utf-8 differs from its name")
  return {
    infoHash: sha1Hex(infoBytes),
    infoSha256: sha256(infoBytes),
    name: new Uint8Array(name.value),
    length: totalLength(info),
  }
}

function totalLength(info: BencodeDictionary): number {
  const asLength = (value: bigint): number => {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new TorrentFormatError('a file length is out of range')
    return Number(value)
  }
  const single = entryOf(info, 'length')
  if (single) {
    if (single.type !== 'integer') throw new TorrentFormatError('info length is not an integer')
    return asLength(single.value)
  }
  const files = entryOf(info, 'files')
  if (files?.type !== 'list' || files.items.length === 0)
    throw new TorrentFormatError('info dictionary has neither length nor files')
  let total = 0
  for (const file of files.items) {
    const length = file.type === 'dictionary' ? entryOf(file, 'length') : undefined
    if (length?.type !== 'integer') throw new TorrentFormatError('a file entry has no integer length')
    total += asLength(length.value)
    if (!Number.isSafeInteger(total)) throw new TorrentFormatError('total length is out of range')
  }
  return total
}

/** Read a .torrent's binding fields and embedded envelopes. Throws TorrentFormatError. */
export function readProvenanceTorrent(bytes: Uint8Array): ProvenanceTorrent {
  return readTorrentTree(bytes).torrent
}

/**
 * The same, with the strict tree it was read from (src/engine/torrent-decode.ts builds WebTorrent's
 * form of the torrent from it, so the bytes are decoded once). Throws TorrentFormatError.
 */
export function readTorrentTree(bytes: Uint8Array): { torrent: ProvenanceTorrent; top: BencodeDictionary } {
  const top = decodeTop(bytes)
  return { torrent: provenanceTorrentOf(top, bytes), top }
}

function provenanceTorrentOf(top: BencodeDictionary, bytes: Uint8Array): ProvenanceTorrent {
  const info = entryOf(top, 'info')
  if (info?.type !== 'dictionary') throw new TorrentFormatError('the torrent has no info dictionary')
  const infoBytes = bytes.subarray(info.start, info.end)
  const facts = { ...factsFromDictionary(info, infoBytes), sourcesSha256: sourcesDigest(top, bytes) }
  const carrier = 'torrent'
  const envelopes: EnvelopeCandidate[] = []
  const list = entryOf(top, TORRENT_ENVELOPES_KEY)
  if (list && list.type !== 'list') {
    envelopes.push({ ok: false, error: `'${TORRENT_ENVELOPES_KEY}' is not a list`, carrier })
  } else if (list) {
    if (list.items.length > MAX_ENVELOPES)
      envelopes.push({ ok: false, error: `more than ${MAX_ENVELOPES} envelopes`, carrier })
    for (const item of list.items.slice(0, MAX_ENVELOPES)) {
      try {
        envelopes.push({ ok: true, envelope: envelopeFromValue(item), carrier })
      } catch (error) {
        if (!(error instanceof EnvelopeError)) throw error
        envelopes.push({ ok: false, error: error.message, carrier })
      }
    }
  }
  return { facts, infoBytes, envelopes, topLevelKeys: top.entries.map((entry) => entry.name) }
}

const DICTIONARY_START = new TextEncoder().encode('d')
const DICTIONARY_END = new TextEncoder().encode('e')

/** The top-level entries a version 2 envelope binds beside the info dictionary: trackers, web seeds. */
export const SOURCE_KEYS = ['announce', 'announce-list', 'url-list'] as const

/**
 * SHA-256 of `d`, the exact bytes of the top-level `announce`, `announce-list` and `url-list`
 * entries present (key and value, in the file's canonical order), then `e`: a torrent with none
 * of them digests `de`. Changing, adding or removing a tracker or web seed changes it.
 */
export function sourcesDigest(top: BencodeDictionary, bytes: Uint8Array): Uint8Array {
  const wanted = new Set<string>(SOURCE_KEYS)
  const parts = top.entries
    .filter((entry) => wanted.has(entry.name))
    .map((entry) => bytes.subarray(entry.keyStart, entry.value.end))
  return sha256(concatBytes([DICTIONARY_START, ...parts, DICTIONARY_END]))
}

/** Add envelopes to a list: an envelope from a publisher already present replaces theirs. */
export function mergeEnvelopes(existing: readonly Envelope[], added: readonly Envelope[]): Envelope[] {
  const merged = [...existing]
  for (const envelope of added) {
    const index = merged.findIndex((other) => sameSigner(other, envelope))
    if (index >= 0) merged[index] = envelope
    else merged.push(envelope)
  }
  return merged
}

/**
 * The same .torrent with its top-level `vouch` list set to `envelopes`. Every other top-level entry,
 * the info dictionary above all, is copied byte for byte, so the infohash does not change.
 */
export function withTorrentEnvelopes(bytes: Uint8Array, envelopes: readonly Envelope[]): Uint8Array {
  const top = decodeTop(bytes)
  if (envelopes.length > MAX_ENVELOPES) throw new TorrentFormatError(`more than ${MAX_ENVELOPES} envelopes`)
  const entries = top.entries
    .filter((entry) => entry.name !== TORRENT_ENVELOPES_KEY)
    .map((entry) => ({ key: entry.key, bytes: bytes.subarray(entry.keyStart, entry.value.end) }))
  if (envelopes.length > 0) {
    const key = new TextEncoder().encode(TORRENT_ENVELOPES_KEY)
    const list = concatBytes([
      new TextEncoder().encode('l'),
      ...envelopes.map(encodeEnvelope),
      new TextEncoder().encode('e'),
    ])
    entries.push({ key, bytes: concatBytes([encodeBencode(key), list]) })
  }
  entries.sort((a, b) => compareBytes(a.key, b.key))
  return concatBytes([
    new TextEncoder().encode('d'),
    ...entries.map((entry) => entry.bytes),
    new TextEncoder().encode('e'),
  ])
}

/** The envelopes among `candidates` that could be read, dropping the failures. */
export function readEnvelopes(candidates: readonly EnvelopeCandidate[]): Envelope[] {
  return candidates.filter((candidate) => candidate.ok).map((candidate) => candidate.envelope)
}
