import { randomBytes } from 'node:crypto'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { isJunk } from 'junk'
import { describe, expect, it } from 'vitest'
import { SMALL_FILE } from '../../../src/engine/small-files.ts'
import { parseTorrentBytes } from '../../../src/engine/source.ts'
import {
  buildTorrent,
  defaultPieceLength,
  hashPieces,
  JUNK_NAME,
  makeTorrent,
  viaCreateTorrent,
  type TorrentCreateOptions,
} from '../../../src/engine/torrent-create.ts'
import { tempDir } from '../../kit/swarm.ts'

/** create-torrent's own default piece length, from the package it uses. */
const pieceLengthPackage = createRequire(import.meta.url)('piece-length') as (bytes: number) => number

const PIECE = 16 * 1024

/**
 * A tree with what a walk and a piece hasher can get wrong: nested and empty directories, empty
 * files, files that straddle piece boundaries, one far larger than a piece (read through a handle),
 * hidden and junk files create-torrent leaves out, names that sort differently by code unit, and
 * symbolic links to a file and to a directory (followed).
 */
async function awkwardTree(): Promise<string> {
  const root = path.join(await tempDir('vouch-create-'), 'release')
  const put = async (relative: string, length: number) => {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true })
    await writeFile(path.join(root, relative), randomBytes(length))
  }
  await put('a.bin', PIECE - 7) // ends 7 bytes before the first boundary
  await put('b/empty.bin', 0)
  await put('b/c/d/deep.bin', 30) // straddles the first boundary
  await put('b/c/zero.bin', 0)
  await put('big.bin', 5 * PIECE + SMALL_FILE + 123) // larger than SMALL_FILE, many pieces
  await put('Z-upper.txt', 1)
  await put('z/é-accent.txt', PIECE) // exactly one piece long, not aligned
  await put('z/10.bin', 2)
  await put('z/9.bin', 3)
  await put('.hidden', 50)
  await put('Thumbs.db', 50)
  await put('notes.txt~', 50)
  await put('.git/config', 10)
  await mkdir(path.join(root, 'empty-dir'))
  await symlink('a.bin', path.join(root, 'link-to-a.bin'))
  await symlink('b/c', path.join(root, 'link-to-c'))
  for (let index = 0; index < 300; index++) await put(`many/f${index}.bin`, (index * 53) % 200)
  return root
}

describe('vouch create for a directory', () => {
  it.each<[string, Omit<TorrentCreateOptions, 'creationDate'>]>([
    ['16 KiB pieces, no tracker', { createdBy: 'Vouch', announceList: [], pieceLength: PIECE }],
    ['the default piece length', { createdBy: 'Vouch', announceList: [] }],
    [
      'trackers and a comment',
      {
        createdBy: 'Vouch',
        announceList: [['udp://127.0.0.1:6969'], ['http://127.0.0.1:8000/announce']],
        pieceLength: 32 * 1024,
        comment: 'release 7',
      },
    ],
  ])('makes the same bytes as create-torrent: %s', async (_, options) => {
    const root = await awkwardTree()
    const creationDate = new Date('2026-03-04T05:06:07.891Z')
    const ours = (await makeTorrent(root, { ...options, creationDate })).bytes
    const theirs = await viaCreateTorrent(root, { ...options, creationDate })
    expect(Buffer.from(ours).toString('latin1')).toBe(Buffer.from(theirs).toString('latin1'))
  })

  it('reports what a decode of its bytes says: infohash, name, length, pieces, piece length', async () => {
    const root = await awkwardTree()
    const built = await buildTorrent(root, { createdBy: 'Vouch', announceList: [], pieceLength: PIECE })
    if (!built) throw new Error('a directory of files is built here')
    const parsed = await parseTorrentBytes(built.bytes)
    expect({ ...built, bytes: undefined }).toEqual({
      bytes: undefined,
      infoHash: parsed.infoHash,
      name: parsed.name,
      length: parsed.length,
      pieces: parsed.pieces?.length,
      pieceLength: parsed.pieceLength,
    })
  })

  it('refuses, before hashing, a tree Vouch would refuse to load', async () => {
    const root = await awkwardTree()
    await writeFile(path.join(root, 'b', 'back\\slash.bin'), 'x')
    await expect(buildTorrent(root, { createdBy: 'Vouch', announceList: [] })).rejects.toThrow(
      /a file path component 'back\\slash.bin' contains a path separator/,
    )
  })

  it('hands a single file to create-torrent unchanged', async () => {
    const root = await awkwardTree()
    const options = { createdBy: 'Vouch', announceList: [], creationDate: new Date(1e12) }
    const file = path.join(root, 'big.bin')
    expect(
      Buffer.from((await makeTorrent(file, options)).bytes).equals(await viaCreateTorrent(file, options)),
    ).toBe(true)
  })

  it('picks the piece length create-torrent would, from 0 bytes to 1 TiB (past 1.5 TiB it overflows)', () => {
    for (let total = 0; total <= 2 ** 40; total = total * 3 + 1)
      expect(defaultPieceLength(total), `${total} bytes`).toBe(
        Math.min(pieceLengthPackage(total), 4 * 1024 * 1024),
      )
  })

  it('skips the junk names create-torrent skips', () => {
    const names = [
      'Thumbs.db',
      'thumbs.db',
      'ehthumbs.db',
      'Desktop.ini',
      'desktop.ini',
      'DESKTOP.INI',
      'npm-debug.log',
      'npm-debug.log.1',
      '.DS_Store',
      '._photo',
      '.a.swp',
      'a.swp',
      'Icon\r',
      'Icon',
      '__MACOSX',
      '.Trashes',
      'x.Trashes.y',
      'notes~',
      '~notes',
      'a@eaDir',
      '@eaDir.x',
      '.Spotlight-V100',
      'plain.bin',
      'é.txt',
    ]
    for (const name of names) expect(JUNK_NAME.test(name), name).toBe(isJunk(name))
  })

  it('fails when a file holds fewer bytes than it was listed with', async () => {
    const root = await awkwardTree()
    await expect(
      hashPieces(root, [{ length: 31, path: ['b', 'c', 'd', 'deep.bin'] }], PIECE),
    ).rejects.toThrow(/fewer than the 31 bytes/)
    const big = 5 * PIECE + SMALL_FILE + 124
    await expect(hashPieces(root, [{ length: big, path: ['big.bin'] }], PIECE)).rejects.toThrow(/fewer than/)
  })
})
