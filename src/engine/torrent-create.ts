/**
 * `vouch create` for a directory: the same .torrent, byte for byte, as create-torrent 6 makes, read
 * faster. create-torrent stats every file twice through the thread pool, then opens a read stream
 * per file and pulls them one after another, so a tree of 20 000 tiny files costs some 100 000
 * thread-pool round trips. Here the walk is create-torrent's done synchronously (same order, same
 * hidden and junk files left out), and the pieces are hashed from reads straight into the piece
 * buffer: small files synchronously (small-files.ts), larger ones through one file handle at a
 * time. At most one descriptor is open at any moment.
 *
 * A single file, or a directory with no file in it, still goes through create-torrent itself.
 */
import { createHash } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import bencode from 'bencode'
import createTorrent, { type CreateTorrentOptions } from 'create-torrent'
import type { ParsedTorrent } from 'parse-torrent'
import { readSmall, SMALL_FILE, SYNC_BATCH } from './small-files.ts'
import { infoProblem } from './source.ts'

/** What `vouch create` sets; every other create-torrent option keeps its default. */
export interface TorrentCreateOptions {
  createdBy: string
  announceList: string[][]
  pieceLength?: number
  comment?: string
  /** create-torrent's `creation date` (whole seconds, rounded up); now when absent. */
  creationDate?: Date
}

/**
 * create-torrent's default when no piece length is given (the piece-length package, 4 MiB at most).
 * One difference, on purpose: past about 1.5 TiB piece-length's 32-bit shift overflows and it picks
 * 16 KiB pieces (a .torrent of 100 million hashes); here such a tree gets 4 MiB pieces.
 */
export function defaultPieceLength(totalLength: number): number {
  const power = Math.floor(Math.log2(totalLength < 1024 ? 1 : totalLength / 1024) + 0.5)
  return Math.min(Math.max(16384, 2 ** power), 4 * 1024 * 1024)
}

/**
 * The names create-torrent's walk skips besides hidden ones: the `junk` package's list (4.0.1, the
 * version create-torrent 6 depends on), checked against that package by a test.
 */
export const JUNK_NAME = new RegExp(
  [
    '^npm-debug\\.log$',
    '^\\..*\\.swp$',
    '^\\.DS_Store$',
    '^\\.AppleDouble$',
    '^\\.LSOverride$',
    '^Icon\\r$',
    '^\\._.*',
    '^\\.Spotlight-V100(?:$|\\/)',
    '\\.Trashes',
    '^__MACOSX$',
    '~$',
    '^Thumbs\\.db$',
    '^ehthumbs\\.db$',
    '^[Dd]esktop\\.ini$',
    '@eaDir$',
  ].join('|'),
)

export interface ListedFile {
  length: number
  /** Below the input directory, one element per path component. */
  path: string[]
}

/** A .torrent made here, with the facts `vouch create` reports (what a decode of `bytes` gives). */
export interface BuiltTorrent {
  bytes: Uint8Array
  infoHash: string
  name: string
  length: number
  pieces: number
  pieceLength: number
}

/**
 * The .torrent of `input`: built here for a directory with files in it, else by create-torrent.
 * `built` holds what it describes when it was built here (create-torrent's must be decoded for that).
 */
export async function makeTorrent(
  input: string,
  options: TorrentCreateOptions,
): Promise<{ bytes: Uint8Array; built: BuiltTorrent | null }> {
  const built = await buildTorrent(input, options)
  return { bytes: built?.bytes ?? (await viaCreateTorrent(input, options)), built }
}

/**
 * The .torrent of directory `input`, or null for what create-torrent must make (a single file, a
 * directory with no file). Fails, before anything is hashed, for a tree Vouch would refuse to load
 * (infoProblem: a name with a backslash, more than MAX_TORRENT_FILES files, …).
 */
export async function buildTorrent(
  input: string,
  options: TorrentCreateOptions,
): Promise<BuiltTorrent | null> {
  const name = path.basename(input)
  if (!name || !statSync(input).isDirectory()) return null
  const files = await listFiles(input)
  if (files.length === 0) return null
  const length = files.reduce((sum, file) => sum + file.length, 0)
  const pieceLength = options.pieceLength ?? defaultPieceLength(length)
  const pieceCount = Math.ceil(length / pieceLength)
  const info: { name: string; 'piece length': number; pieces: Uint8Array; files: ListedFile[] } = {
    name,
    'piece length': pieceLength,
    pieces: new Uint8Array(pieceCount * 20),
    files,
  }
  const problem = infoProblem(asParsed(info, files, length))
  if (problem) throw new Error(problem)
  info.pieces = await hashPieces(input, files, pieceLength)
  // The info dictionary is encoded once, for the infohash and inside the whole file.
  const infoBytes = bencode.encode(info)
  const torrent: Record<string, unknown> = {
    info: infoBytes,
    'creation date': Math.ceil(Number(options.creationDate ?? Date.now()) / 1000),
    encoding: 'UTF-8',
  }
  const first = options.announceList[0]?.[0]
  if (first !== undefined) {
    torrent.announce = first
    torrent['announce-list'] = options.announceList
  }
  if (options.comment !== undefined) torrent.comment = options.comment
  torrent['created by'] = options.createdBy
  const infoHash = createHash('sha1').update(infoBytes).digest('hex')
  return { bytes: encodeWithRawInfo(torrent), infoHash, name, length, pieces: pieceCount, pieceLength }
}

/** bencode.encode(torrent), but with torrent.info already encoded (bencode sorts keys; these are ASCII). */
function encodeWithRawInfo(torrent: Record<string, unknown>): Uint8Array {
  const parts: Uint8Array[] = [Buffer.from('d')]
  for (const key of Object.keys(torrent).sort()) {
    const value = torrent[key]
    parts.push(bencode.encode(key), key === 'info' ? (value as Uint8Array) : bencode.encode(value))
  }
  parts.push(Buffer.from('e'))
  return Buffer.concat(parts)
}

/** What infoProblem reads of a decoded torrent, from the dictionary being built. */
function asParsed(
  info: Record<string, unknown>,
  files: readonly ListedFile[],
  length: number,
): ParsedTorrent {
  let offset = 0
  return {
    infoHash: '',
    info,
    length,
    pieceLength: info['piece length'] as number,
    files: files.map((file) => {
      const entry = {
        path: path.join(String(info.name), ...file.path),
        name: file.path.at(-1) ?? '',
        length: file.length,
        offset,
      }
      offset += file.length
      return entry
    }),
  }
}

/**
 * create-torrent's walk of a directory, synchronously: entries in readdir's order (libuv sorts them
 * by byte), names starting with '.' and junk names skipped, symbolic links followed, anything that
 * is neither a file nor a directory left out (create-torrent never finishes on one), one stat per
 * file and a turn of the event loop every SYNC_BATCH entries.
 */
export async function listFiles(root: string): Promise<ListedFile[]> {
  const files: ListedFile[] = []
  let stats = 0
  const walk = async (directory: string, below: string[]) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || JUNK_NAME.test(entry.name)) continue
      const full = path.join(directory, entry.name)
      // A dangling link fails the walk, as create-torrent's stat of it does.
      const stat = entry.isDirectory() ? null : statSync(full)
      if (entry.isDirectory() || stat?.isDirectory()) await walk(full, [...below, entry.name])
      else if (stat?.isFile()) files.push({ length: stat.size, path: [...below, entry.name] })
      if (++stats % SYNC_BATCH === 0) await nextTurn()
    }
  }
  await walk(root, [])
  return files
}

export function viaCreateTorrent(input: string, options: TorrentCreateOptions): Promise<Uint8Array> {
  const opts: CreateTorrentOptions = { createdBy: options.createdBy, announceList: options.announceList }
  if (options.pieceLength) opts.pieceLength = options.pieceLength
  if (options.comment !== undefined) opts.comment = options.comment
  if (options.creationDate) opts.creationDate = options.creationDate
  return new Promise((resolve, reject) =>
    createTorrent(input, opts, (error, torrent) => (error ? reject(error) : resolve(torrent))),
  )
}

/**
 * The SHA-1 of every piece of the files laid end to end (`root` joined with each file's path), the
 * last piece short. A file that holds fewer bytes than it was listed with fails: the torrent would
 * describe data that is not there.
 */
export async function hashPieces(
  root: string,
  files: readonly { length: number; path: string[] }[],
  pieceLength: number,
): Promise<Uint8Array> {
  const total = files.reduce((sum, file) => sum + file.length, 0)
  const digests = new Uint8Array(Math.ceil(total / pieceLength) * 20)
  const piece = Buffer.allocUnsafe(Math.min(pieceLength, total))
  const scratch = Buffer.allocUnsafe(Math.min(SMALL_FILE, total))
  let pieceIndex = 0
  let filled = 0
  /** Copy `bytes` into the pieces, hashing each one as it fills. */
  const take = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) {
      const count = Math.min(bytes.length - at, pieceLength - filled)
      piece.set(bytes.subarray(at, at + count), filled)
      filled += count
      at += count
      if (filled === pieceLength) finishPiece()
    }
  }
  const finishPiece = () => {
    digests.set(createHash('sha1').update(piece.subarray(0, filled)).digest(), pieceIndex * 20)
    pieceIndex++
    filled = 0
  }
  let smallReads = 0
  for (const file of files) {
    if (file.length === 0) continue
    const absolute = path.join(root, ...file.path)
    if (file.length <= SMALL_FILE) {
      if (readSmall(absolute, scratch, 0, file.length, 0) !== file.length)
        throw shorter(absolute, file.length)
      take(scratch.subarray(0, file.length))
      if (++smallReads % SYNC_BATCH === 0) await nextTurn()
      continue
    }
    const handle = await open(absolute, 'r')
    try {
      for (let position = 0; position < file.length;) {
        // Read straight into the piece: as much as the piece and the file have left.
        const want = Math.min(file.length - position, pieceLength - filled)
        const { bytesRead } = await handle.read(piece, filled, want, position)
        if (bytesRead === 0) throw shorter(absolute, file.length)
        filled += bytesRead
        position += bytesRead
        if (filled === pieceLength) finishPiece()
      }
    } finally {
      await handle.close()
    }
  }
  if (filled > 0) finishPiece()
  return digests
}

function shorter(file: string, length: number): Error {
  return new Error(`${file} holds fewer than the ${length} bytes it had when listed (changed while hashing?)`)
}
