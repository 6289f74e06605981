import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { ParsedTorrent } from 'parse-torrent'
import { readSmall, SMALL_FILE, SYNC_BATCH } from './small-files.ts'

export interface VerifyResult {
  ok: boolean
  pieces: number
  badPieces: number[]
}

/**
 * At most this many files are open at once while re-hashing: a torrent of 20 000 small files must
 * not need 20 000 descriptors (EMFILE under a common `ulimit -n` of 256 or 1024).
 */
export const MAX_OPEN_FILES = 32

/** Open file handles, least recently used first; past the limit the oldest is closed. */
class OpenFiles {
  readonly #handles = new Map<string, FileHandle>()
  readonly #limit: number

  constructor(limit: number) {
    this.#limit = limit
  }

  async get(file: string): Promise<FileHandle> {
    const open_ = this.#handles.get(file)
    if (open_) {
      this.#handles.delete(file)
      this.#handles.set(file, open_)
      return open_
    }
    while (this.#handles.size >= this.#limit) {
      const [oldest, handle] = this.#handles.entries().next().value as [string, FileHandle]
      this.#handles.delete(oldest)
      await handle.close()
    }
    const handle = await open(file, 'r')
    this.#handles.set(file, handle)
    return handle
  }

  async close(file: string): Promise<void> {
    const handle = this.#handles.get(file)
    this.#handles.delete(file)
    await handle?.close()
  }

  async closeAll(): Promise<void> {
    const handles = [...this.#handles.values()]
    this.#handles.clear()
    await Promise.all(handles.map((handle) => handle.close()))
  }
}

/**
 * Re-hash the finished data on disk against the torrent's piece hashes. This is independent of
 * WebTorrent's own per-piece check: it reads back what was actually written. Files are visited in
 * torrent order and closed once the pieces move past them, with at most `maxOpenFiles` open. Small
 * files are read synchronously (small-files.ts), opened and closed within the call, with a turn of
 * the event loop every SYNC_BATCH of them.
 */
export async function verifyOnDisk(
  parsed: ParsedTorrent,
  downloadDir: string,
  maxOpenFiles = MAX_OPEN_FILES,
): Promise<VerifyResult> {
  const { pieceLength, pieces: hashes, files, length: totalLength } = parsed
  // Metadata without them (a magnet's, before its info arrived) would check nothing and pass.
  if (!pieceLength || !hashes?.length || !files?.length || !totalLength)
    throw new Error('cannot re-check: the metadata has no piece length, piece hashes or files')
  const badPieces: number[] = []
  const buffer = Buffer.alloc(pieceLength)
  const handles = new OpenFiles(maxOpenFiles)
  // Index of the first file that may still overlap the current piece (files are in offset order).
  let firstFile = 0
  let smallReads = 0
  try {
    for (let index = 0; index < hashes.length; index++) {
      const start = index * pieceLength
      const length = Math.min(pieceLength, totalLength - start)
      let filled = 0
      for (; firstFile < files.length; firstFile++) {
        const file = files[firstFile]
        if (!file || file.offset + file.length > start) break
        await handles.close(path.join(downloadDir, file.path))
      }
      for (let at = firstFile; at < files.length; at++) {
        const file = files[at]
        if (!file || file.offset >= start + length) break
        const fileEnd = file.offset + file.length
        if (fileEnd <= start) continue
        const from = Math.max(start, file.offset)
        const to = Math.min(start + length, fileEnd)
        if (file.length <= SMALL_FILE) {
          let got: number
          try {
            got = readSmall(
              path.join(downloadDir, file.path),
              buffer,
              from - start,
              to - from,
              from - file.offset,
            )
          } catch {
            got = -1
          }
          if (++smallReads % SYNC_BATCH === 0) await nextTurn()
          if (got !== to - from) {
            filled = -1
            break
          }
          filled += got
          continue
        }
        let handle: FileHandle
        try {
          handle = await handles.get(path.join(downloadDir, file.path))
        } catch {
          filled = -1
          break
        }
        const { bytesRead } = await handle.read(buffer, from - start, to - from, from - file.offset)
        if (bytesRead !== to - from) {
          filled = -1
          break
        }
        filled += bytesRead
      }
      const digest =
        filled === length ? createHash('sha1').update(buffer.subarray(0, length)).digest('hex') : ''
      if (digest !== hashes[index]) badPieces.push(index)
    }
  } finally {
    await handles.closeAll()
  }
  return { ok: badPieces.length === 0, pieces: hashes.length, badPieces }
}
