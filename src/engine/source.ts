import type { ParsedTorrent } from 'parse-torrent'
import type { Stats } from 'node:fs'
import { readBoundedFile, readBoundedFileSync } from '../bounded-read.ts'
import { isVouchError, VouchError } from '../errors.ts'
import { readTorrentTree, TorrentFormatError, type ProvenanceTorrent } from '../provenance/torrent.ts'
import { decodeTorrentFile, parsedFromReading } from './torrent-decode.ts'

/** parse-torrent, for magnets and infohashes only: it loads a fetch implementation at import (torrent-decode.ts). */
async function parseTorrent(id: string): Promise<ParsedTorrent> {
  return (await import('parse-torrent')).default(id)
}

/** What the user asked to download, parsed and checked before anything touches the network. */
export type TorrentSource =
  | {
      kind: 'torrent-file'
      bytes: Uint8Array
      parsed: ParsedTorrent
      origin: string
      /** The provenance gate's strict reading of `bytes`, made by the same decode as `parsed`. */
      reading?: ProvenanceTorrent
    }
  | { kind: 'magnet'; uri: string; parsed: ParsedTorrent }
  | { kind: 'infohash'; infoHash: string; parsed: ParsedTorrent }

/** .torrent files larger than this are refused outright (real ones are kilobytes to a few MiB). */
export const MAX_TORRENT_FILE_BYTES = 16 * 1024 * 1024
const INFOHASH_HEX = /^[0-9a-f]{40}$/i
const INFOHASH_BASE32 = /^[a-z2-7]{32}$/i

/** Parse a .torrent path, a magnet URI or a bare infohash. Throws VouchError('bad-input') naming the problem. */
export async function resolveSource(input: string): Promise<TorrentSource> {
  const text = input.trim()
  if (text === '')
    throw new VouchError('bad-input', 'no torrent given: pass a .torrent file, a magnet link or an infohash')
  if (/^magnet:/i.test(text)) return { kind: 'magnet', uri: text, parsed: await parseMagnet(text) }
  if (INFOHASH_HEX.test(text) || INFOHASH_BASE32.test(text)) {
    const parsed = await parseTorrent(text)
    return { kind: 'infohash', infoHash: parsed.infoHash, parsed }
  }
  return readTorrentFile(text)
}

export async function parseMagnet(uri: string): Promise<ParsedTorrent> {
  let parsed: ParsedTorrent
  try {
    parsed = await parseTorrent(uri)
  } catch (error) {
    throw new VouchError('bad-input', `malformed magnet link: ${(error as Error).message}`, { source: uri })
  }
  if (!parsed.infoHash || !INFOHASH_HEX.test(parsed.infoHash)) {
    throw new VouchError('bad-input', 'malformed magnet link: no BitTorrent infohash (xt=urn:btih:…)', {
      source: uri,
    })
  }
  return parsed
}

export async function readTorrentFile(
  file: string,
): Promise<Extract<TorrentSource, { kind: 'torrent-file' }>> {
  let buffer: Buffer
  try {
    buffer = await readBoundedFile(file, MAX_TORRENT_FILE_BYTES, '.torrent', sizeCheck(file))
  } catch (error) {
    throw openFailure(file, error)
  }
  return torrentFileSource(file, new Uint8Array(buffer))
}

/**
 * The same for the engine's own stored copy of a torrent (HOME/torrents), read synchronously: a
 * resume reads 2,000 of them, and the thread-pool round trips of an async read cost several times
 * the read itself (docs/decisions.md, "Resume reads its stored copies synchronously").
 */
export async function readStoredTorrentFile(
  file: string,
): Promise<Extract<TorrentSource, { kind: 'torrent-file' }>> {
  let buffer: Buffer
  try {
    buffer = readBoundedFileSync(file, MAX_TORRENT_FILE_BYTES, '.torrent', sizeCheck(file))
  } catch (error) {
    throw openFailure(file, error)
  }
  return torrentFileSource(file, new Uint8Array(buffer))
}

async function torrentFileSource(
  file: string,
  bytes: Uint8Array,
): Promise<Extract<TorrentSource, { kind: 'torrent-file' }>> {
  return { kind: 'torrent-file', bytes, origin: file, ...(await decodeTorrentBytes(bytes, file)) }
}

/** Checked on the opened file's stats, before a byte is read. */
function sizeCheck(file: string): (info: Stats) => void {
  return (info) => {
    if (info.size > MAX_TORRENT_FILE_BYTES)
      throw new VouchError('bad-input', `${file} is ${info.size} bytes, larger than any real .torrent file`, {
        source: file,
      })
  }
}

/** A file that could not be opened (the read names its errno) is most likely a typo for something else. */
function openFailure(file: string, error: unknown): unknown {
  if (!isVouchError(error) || error.details.errno === undefined) return error
  return new VouchError(
    'bad-input',
    `cannot read ${file}: no such file (expected a .torrent file, a magnet link or an infohash)`,
    { source: file },
  )
}

export async function parseTorrentBytes(bytes: Uint8Array, origin = 'torrent'): Promise<ParsedTorrent> {
  return (await decodeTorrentBytes(bytes, origin)).parsed
}

/**
 * A .torrent's bytes decoded once, for WebTorrent (`parsed`, as parse-torrent makes it) and for the
 * provenance gate (`reading`): a canonical torrent is read strictly and `parsed` built from that
 * reading; anything else (the gate will refuse it as malformed) is decoded as parse-torrent does.
 * Throws VouchError('bad-input') naming the problem.
 */
export async function decodeTorrentBytes(
  bytes: Uint8Array,
  origin = 'torrent',
): Promise<{ parsed: ParsedTorrent; reading?: ProvenanceTorrent }> {
  const malformed = (problem: string) =>
    new VouchError('bad-input', `malformed torrent file ${origin}: ${problem}`, { source: origin })
  if (bytes.length === 0) throw malformed('the file is empty')
  if (bytes[0] !== 0x64 /* 'd' */) throw malformed('not a bencoded dictionary (is this a .torrent file?)')
  let tree: ReturnType<typeof readTorrentTree> | undefined
  try {
    tree = readTorrentTree(bytes)
  } catch (error) {
    if (!(error instanceof TorrentFormatError)) throw error
  }
  const reading = tree?.torrent
  let parsed: ParsedTorrent
  try {
    parsed =
      (tree && reading ? parsedFromReading(tree.top, reading.infoBytes, reading.facts.infoHash) : null) ??
      decodeTorrentFile(bytes)
  } catch (error) {
    const message = (error as Error).message
    // bencode reports truncation as a missing delimiter or an out-of-range read.
    throw malformed(
      /delimiter|out of range|Invalid data|Unexpected end/i.test(message)
        ? `invalid or truncated bencoding (${message})`
        : message,
    )
  }
  if (!parsed.info || !parsed.infoBuffer || !parsed.pieces || !parsed.files) {
    throw malformed('no info dictionary')
  }
  const problem = infoProblem(parsed)
  if (problem) throw malformed(problem)
  return { parsed, ...(reading ? { reading } : {}) }
}

/** Beyond this many files a torrent is refused: real ones stay far below it. */
export const MAX_TORRENT_FILES = 100_000
/** 256 MiB; BEP 3 pieces are powers of two and real ones are at most 64 MiB. */
export const MAX_PIECE_LENGTH = 256 * 1024 * 1024

/**
 * The consistency checks parse-torrent leaves out: a malformed info dictionary must be refused here,
 * with its problem named, rather than reach WebTorrent (which may crash, hang or write outside the
 * download directory). Returns a description of the first problem, or null.
 */
export function infoProblem(parsed: ParsedTorrent): string | null {
  const info = parsed.info ?? {}
  const pieceLength = parsed.pieceLength
  if (typeof pieceLength !== 'number' || !Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    return `piece length must be a positive integer, not ${String(info['piece length'])}`
  }
  if (pieceLength > MAX_PIECE_LENGTH) return `piece length ${pieceLength} is larger than ${MAX_PIECE_LENGTH}`
  const pieceBytes = info.pieces
  if (!(pieceBytes instanceof Uint8Array) || pieceBytes.length % 20 !== 0) {
    return 'the pieces field must be a string of 20-byte SHA-1 hashes'
  }
  const files = parsed.files ?? []
  if (files.length === 0) return 'no files'
  if (files.length > MAX_TORRENT_FILES) return `${files.length} files, more than ${MAX_TORRENT_FILES}`
  for (const file of files) {
    if (!Number.isSafeInteger(file.length) || file.length < 0) {
      return `file ${file.path} has an invalid length ${String(file.length)}`
    }
  }
  const length = parsed.length ?? 0
  if (!Number.isSafeInteger(length)) return 'total length is too large'
  const expectedPieces = Math.ceil(length / pieceLength)
  if (pieceBytes.length / 20 !== expectedPieces) {
    return `${pieceBytes.length / 20} piece hashes for ${length} bytes in pieces of ${pieceLength} (expected ${expectedPieces})`
  }
  const nameProblem = pathComponentProblem(info['name.utf-8'] ?? info.name)
  if (nameProblem) return `the torrent name ${nameProblem}`
  if (Array.isArray(info.files)) {
    for (const entry of info.files as Record<string, unknown>[]) {
      const components = entry['path.utf-8'] ?? entry.path
      if (!Array.isArray(components) || components.length === 0) return 'a file has no path'
      for (const component of components) {
        const componentProblem = pathComponentProblem(component)
        if (componentProblem) return `a file path component ${componentProblem}`
      }
    }
  }
  return null
}

/** Names that would leave the download directory, or that no filesystem accepts. */
function pathComponentProblem(value: unknown): string | null {
  if (!(value instanceof Uint8Array) && typeof value !== 'string') return 'is not a string'
  const text = typeof value === 'string' ? value : new TextDecoder().decode(value)
  if (text === '' || text === '.' || text === '..') return `is '${text}'`
  if (/[/\\\0]/.test(text)) return `'${text.replace(/\0/g, '\\0')}' contains a path separator or NUL`
  return null
}
