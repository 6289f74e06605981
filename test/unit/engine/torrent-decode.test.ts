import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import bencode from 'bencode'
import parseTorrent from 'parse-torrent'
import { describe, expect, it } from 'vitest'
import { createTorrentFile } from '../../../src/cli/commands/create.ts'
import { decodeTorrentFile } from '../../../src/engine/torrent-decode.ts'
import { tempDir } from '../../kit/swarm.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const pieces = (count: number) => new Uint8Array(20 * count).map((_, index) => index % 251)

/** Hand-made .torrent dictionaries, each exercising a field parse-torrent treats specially. */
const CRAFTED: Record<string, Record<string, unknown>> = {
  'single file with announce and comment': {
    announce: bytes('http://127.0.0.1:1/announce'),
    comment: bytes('a comment'),
    'created by': bytes('vouch test'),
    'creation date': 1_700_000_000,
    info: { length: 40_000, name: bytes('one.bin'), 'piece length': 16_384, pieces: pieces(3) },
  },
  'multi-file with announce-list tiers, duplicates and private': {
    announce: bytes('http://ignored/announce'),
    'announce-list': [[bytes('http://a/announce'), bytes('http://b/announce')], [bytes('http://a/announce')]],
    info: {
      files: [
        { length: 10, path: [bytes('dir'), bytes('a.txt')] },
        { length: 32_768, path: [bytes('b.bin')] },
      ],
      name: bytes('folder'),
      'piece length': 16_384,
      pieces: pieces(3),
      private: 1,
    },
  },
  'url-list as one string': {
    'url-list': bytes('http://seed/'),
    info: { length: 1, name: bytes('x'), 'piece length': 16_384, pieces: pieces(1) },
  },
  'url-list empty string, utf-8 names': {
    'url-list': bytes(''),
    info: {
      files: [{ length: 5, path: [bytes('ignored')], 'path.utf-8': [bytes('ü.txt')] }],
      name: bytes('n'),
      'name.utf-8': bytes('naïve'),
      'piece length': 16_384,
      pieces: pieces(1),
    },
  },
  'url-list as a list': {
    'url-list': [bytes('http://s1/'), bytes('http://s2/'), bytes('http://s1/')],
    info: { length: 0, name: bytes('empty'), 'piece length': 16_384, pieces: new Uint8Array(0) },
  },
}

const MALFORMED: Record<string, Record<string, unknown>> = {
  'no info': { announce: bytes('x') },
  'no name': { info: { length: 1, 'piece length': 1, pieces: pieces(1) } },
  'no piece length': { info: { length: 1, name: bytes('x'), pieces: pieces(1) } },
  'no pieces': { info: { length: 1, name: bytes('x'), 'piece length': 1 } },
  'no length': { info: { name: bytes('x'), 'piece length': 1, pieces: pieces(1) } },
  'a file without a length': {
    info: { files: [{ path: [bytes('a')] }], name: bytes('x'), 'piece length': 1, pieces: pieces(1) },
  },
  'a file without a path': {
    info: { files: [{ length: 1 }], name: bytes('x'), 'piece length': 1, pieces: pieces(1) },
  },
}

describe('decoding a .torrent without parse-torrent', () => {
  it.each(Object.entries(CRAFTED))('gives what parse-torrent gives: %s', async (_, dictionary) => {
    const file = bencode.encode(dictionary) as Uint8Array
    expect(decodeTorrentFile(file)).toEqual(await parseTorrent(file))
  })

  it('gives what parse-torrent gives for torrents vouch create makes, one file and a folder', async () => {
    const dir = await tempDir('vouch-decode-')
    await mkdir(path.join(dir, 'folder', 'sub'), { recursive: true })
    await writeFile(path.join(dir, 'folder', 'a.bin'), new Uint8Array(50_000).fill(7))
    await writeFile(path.join(dir, 'folder', 'sub', 'b.txt'), 'b')
    for (const target of [path.join(dir, 'folder', 'a.bin'), path.join(dir, 'folder')]) {
      const file = await createTorrentFile(target, { announce: ['http://127.0.0.1:1/announce'] })
      expect(decodeTorrentFile(file), target).toEqual(await parseTorrent(file))
    }
  })

  it.each(Object.entries(MALFORMED))('refuses with parse-torrent’s message: %s', async (_, dictionary) => {
    const file = bencode.encode(dictionary) as Uint8Array
    const expected = await parseTorrent(file).then(
      () => 'accepted',
      (error: Error) => error.message,
    )
    expect(expected).toMatch(/missing required field/)
    expect(() => decodeTorrentFile(file)).toThrow(expected)
  })

  it('refuses truncated bencoding as parse-torrent does', async () => {
    const file = (bencode.encode(CRAFTED['url-list as one string']) as Uint8Array).slice(0, 30)
    const expected = await parseTorrent(file).then(
      () => 'accepted',
      (error: Error) => error.message,
    )
    expect(() => decodeTorrentFile(file)).toThrow(expected)
  })
})
