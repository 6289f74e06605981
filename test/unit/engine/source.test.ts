import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import bencode from 'bencode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isVouchError } from '../../../src/errors.ts'
import { parseTorrentBytes, readTorrentFile, resolveSource } from '../../../src/engine/source.ts'

const text = (value: string) => new TextEncoder().encode(value)
const hashes = (count: number) => new Uint8Array(20 * count).fill(7)

/** A well-formed single-file info dictionary; fixtures below break one field each. */
function info(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: text('a.bin'), 'piece length': 16384, length: 40000, pieces: hashes(3), ...overrides }
}
const torrent = (infoDict: unknown, extra: Record<string, unknown> = {}) =>
  bencode.encode({ info: infoDict, ...extra })
const valid = torrent(info())

async function problemOf(bytes: Uint8Array): Promise<{ code: string; message: string }> {
  try {
    await parseTorrentBytes(bytes, 'fixture.torrent')
  } catch (error) {
    if (isVouchError(error)) return { code: error.code, message: error.message }
    throw error
  }
  return { code: 'accepted', message: '' }
}

// Like libtorrent's test_torrent_info.cpp: each bad fixture and the problem it must be refused for.
const malformed: [name: string, bytes: Uint8Array, expected: RegExp][] = [
  ['empty file', new Uint8Array(0), /empty/],
  ['not bencoded', text('hello world'), /not a bencoded dictionary/],
  ['truncated', valid.subarray(0, valid.length - 15), /truncated/],
  ['truncated to one byte', valid.subarray(0, 1), /truncated/],
  ['no info dictionary', bencode.encode({ announce: text('http://x/') }), /info/],
  ['info is not a dictionary', torrent(5), /info|piece length/],
  ['no name', torrent(info({ name: undefined })), /name/],
  ['zero piece length', torrent(info({ 'piece length': 0 })), /piece length/],
  ['negative piece length', torrent(info({ 'piece length': -16384 })), /piece length/],
  ['huge piece length', torrent(info({ 'piece length': 2 ** 40 })), /piece length/],
  ['pieces not a multiple of 20 bytes', torrent(info({ pieces: new Uint8Array(41) })), /20-byte/],
  ['too few piece hashes', torrent(info({ pieces: hashes(2) })), /2 piece hashes.*expected 3/],
  ['too many piece hashes', torrent(info({ pieces: hashes(9) })), /9 piece hashes/],
  ['negative length', torrent(info({ length: -5, pieces: hashes(0) })), /invalid length/],
  ['name is ..', torrent(info({ name: text('..') })), /name is '\.\.'/],
  ['name with a slash', torrent(info({ name: text('etc/passwd') })), /path separator/],
  [
    'file path escaping the directory',
    torrent(info({ length: undefined, files: [{ length: 40000, path: [text('..'), text('x')] }] })),
    /path component is '\.\.'/,
  ],
  [
    'file with an empty path',
    torrent(info({ length: undefined, files: [{ length: 40000, path: [] }] })),
    /path/,
  ],
  [
    'file with a negative length',
    torrent(
      info({
        length: undefined,
        files: [
          { length: 40005, path: [text('a')] },
          { length: -5, path: [text('b')] },
        ],
      }),
    ),
    /invalid length/,
  ],
]

describe('parsing .torrent bytes', () => {
  it('accepts a well-formed single-file torrent', async () => {
    const parsed = await parseTorrentBytes(valid)
    expect(parsed.length).toBe(40000)
    expect(parsed.pieces).toHaveLength(3)
  })

  it('accepts a well-formed multi-file torrent', async () => {
    const multi = torrent(
      info({
        length: undefined,
        files: [
          { length: 30000, path: [text('sub'), text('a')] },
          { length: 10000, path: [text('b')] },
        ],
      }),
    )
    const parsed = await parseTorrentBytes(multi)
    expect(parsed.files?.map((file) => file.path)).toEqual([
      path.join('a.bin', 'sub', 'a'),
      path.join('a.bin', 'b'),
    ])
  })

  for (const [name, bytes, expected] of malformed) {
    it(`refuses ${name} as bad input naming the problem`, async () => {
      const problem = await problemOf(bytes)
      expect(problem.code, name).toBe('bad-input')
      expect(problem.message, name).toMatch(/^malformed torrent file fixture\.torrent: /)
      expect(problem.message, name).toMatch(expected)
    })
  }
})

describe('resolving a source', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vouch-source-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('reads a .torrent file', async () => {
    const file = path.join(dir, 'ok.torrent')
    await writeFile(file, valid)
    const source = await readTorrentFile(file)
    expect(source.kind).toBe('torrent-file')
    expect(source.parsed.infoHash).toMatch(/^[0-9a-f]{40}$/)
  })

  it.each([
    ['a missing file', () => path.join(dir, 'missing.torrent'), /no such file/],
    ['a directory', () => dir, /is a directory, not a \.torrent file/],
    ['an empty string', () => '  ', /no torrent given/],
    ['a magnet without an infohash', () => 'magnet:?dn=name', /malformed magnet link/],
    ['a magnet with a short infohash', () => 'magnet:?xt=urn:btih:abc', /malformed magnet link/],
    ['a magnet that is not a URI', () => 'magnet:garbage', /malformed magnet link/],
  ])('refuses %s as bad input', async (_name, input, expected) => {
    const error: unknown = await resolveSource(input()).catch((caught: unknown) => caught)
    expect(isVouchError(error) && error.code).toBe('bad-input')
    expect((error as Error).message).toMatch(expected)
  })

  it('accepts a hex infohash and a magnet link', async () => {
    const hex = 'c9e15763f722f23e98a29decdfae341b98d53056'
    expect((await resolveSource(hex)).parsed.infoHash).toBe(hex)
    const magnet = await resolveSource(`magnet:?xt=urn:btih:${hex}&dn=x`)
    expect(magnet.kind).toBe('magnet')
    expect(magnet.parsed.infoHash).toBe(hex)
  })
})
