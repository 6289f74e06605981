import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import path from 'node:path'
import type { ParsedTorrent } from 'parse-torrent'

export interface VerifyResult {
  ok: boolean
  pieces: number
  badPieces: number[]
}

/**
 * Re-hash the finished data on disk against the torrent's piece hashes. This is independent of
 * WebTorrent's own per-piece check: it reads back what was actually written.
 */
export async function verifyOnDisk(parsed: ParsedTorrent, downloadDir: string): Promise<VerifyResult> {
  const pieceLength = parsed.pieceLength ?? 0
  const hashes = parsed.pieces ?? []
  const files = parsed.files ?? []
  const badPieces: number[] = []
  const buffer = Buffer.alloc(pieceLength)
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>()
  try {
    for (let index = 0; index < hashes.length; index++) {
      const start = index * pieceLength
      const length = Math.min(pieceLength, (parsed.length ?? 0) - start)
      let filled = 0
      for (const file of files) {
        const fileEnd = file.offset + file.length
        if (fileEnd <= start || file.offset >= start + length) continue
        const from = Math.max(start, file.offset)
        const to = Math.min(start + length, fileEnd)
        const full = path.join(downloadDir, file.path)
        let handle = handles.get(full)
        if (!handle) {
          try {
            handle = await open(full, 'r')
          } catch {
            filled = -1
            break
          }
          handles.set(full, handle)
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
    await Promise.all([...handles.values()].map((handle) => handle.close()))
  }
  return { ok: badPieces.length === 0, pieces: hashes.length, badPieces }
}
