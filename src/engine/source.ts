import { readFile, stat } from 'node:fs/promises'
import parseTorrent, { type ParsedTorrent } from 'parse-torrent'
import { VouchError } from '../errors.ts'

/** What the user asked to download, parsed and checked before anything touches the network. */
export type TorrentSource =
  | { kind: 'torrent-file'; bytes: Uint8Array; parsed: ParsedTorrent; origin: string }
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

export async function readTorrentFile(file: string): Promise<TorrentSource> {
  let info
  try {
    info = await stat(file)
  } catch {
    throw new VouchError(
      'bad-input',
      `cannot read ${file}: no such file (expected a .torrent file, a magnet link or an infohash)`,
      {
        source: file,
      },
    )
  }
  if (!info.isFile()) throw new VouchError('bad-input', `${file} is not a file`, { source: file })
  if (info.size > MAX_TORRENT_FILE_BYTES) {
    throw new VouchError('bad-input', `${file} is ${info.size} bytes, larger than any real .torrent file`, {
      source: file,
    })
  }
  const bytes = new Uint8Array(await readFile(file))
  return { kind: 'torrent-file', bytes, parsed: await parseTorrentBytes(bytes, file), origin: file }
}

export async function parseTorrentBytes(bytes: Uint8Array, origin = 'torrent'): Promise<ParsedTorrent> {
  let parsed: ParsedTorrent
  try {
    parsed = await parseTorrent(bytes)
  } catch (error) {
    throw new VouchError('bad-input', `malformed torrent file ${origin}: ${(error as Error).message}`, {
      source: origin,
    })
  }
  if (!parsed.info || !parsed.infoBuffer || !parsed.pieces || !parsed.files) {
    throw new VouchError('bad-input', `malformed torrent file ${origin}: no info dictionary`, {
      source: origin,
    })
  }
  return parsed
}
