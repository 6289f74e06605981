import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTorrentFile } from '../../../src/cli/commands/create.ts'
import { parseTorrentBytes } from '../../../src/engine/source.ts'
import { SMALL_FILE } from '../../../src/engine/small-files.ts'
import { verifyOnDisk } from '../../../src/engine/verify.ts'
import { tempDir } from '../../kit/swarm.ts'

const FILES = 300

async function manyFiles() {
  const dir = await tempDir('vouch-verify-')
  const root = path.join(dir, 'many')
  await mkdir(root)
  // Sizes from 0 to 3000 bytes: pieces of 16 KiB span many files, and some files are empty. Every
  // 50th file is larger than SMALL_FILE, so it is read through an open handle over several pieces.
  for (let index = 0; index < FILES; index++)
    await writeFile(
      path.join(root, `file-${String(index).padStart(4, '0')}.bin`),
      randomBytes(index % 50 === 7 ? SMALL_FILE + index * 101 : (index * 37) % 3001),
    )
  const parsed = await parseTorrentBytes(await createTorrentFile(root, { pieceLength: 16 * 1024 }))
  return { dir, root, parsed }
}

describe('re-hash of the data on disk', () => {
  it('checks a many-file torrent with at most a few files open, and names the pieces that differ', async () => {
    const { dir, parsed } = await manyFiles()
    expect(await verifyOnDisk(parsed, dir, 4)).toEqual({
      ok: true,
      pieces: parsed.pieces?.length,
      badPieces: [],
    })
    // One small file and one large file rewritten with other bytes of the same length.
    const small = parsed.files?.find((file) => file.length > 0 && file.offset > 100_000)
    const large = parsed.files?.find((file) => file.length > SMALL_FILE && file.offset > 300_000)
    if (!small || !large) throw new Error('no file to corrupt')
    const pieceLength = parsed.pieceLength ?? 1
    const bad = new Set<number>()
    for (const victim of [small, large]) {
      await writeFile(path.join(dir, victim.path), randomBytes(victim.length))
      const first = Math.floor(victim.offset / pieceLength)
      const last = Math.floor((victim.offset + victim.length - 1) / pieceLength)
      for (let index = first; index <= last; index++) bad.add(index)
    }
    const result = await verifyOnDisk(parsed, dir, 4)
    expect(result.ok).toBe(false)
    expect(result.badPieces).toEqual([...bad].sort((x, y) => x - y))
  })

  it('refuses metadata with nothing to check against (a magnet before its info), instead of passing', async () => {
    const { dir, parsed } = await manyFiles()
    const { pieces: _pieces, files: _files, ...bare } = parsed
    for (const metadata of [
      bare,
      { ...parsed, pieces: [] },
      { ...parsed, files: [] },
      { ...parsed, pieceLength: 0 },
    ])
      await expect(verifyOnDisk(metadata, dir, 4)).rejects.toThrow(/cannot re-check: the metadata has no/)
  })
})
