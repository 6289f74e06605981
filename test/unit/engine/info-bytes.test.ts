import bencode from 'bencode'
import parseTorrent, { toTorrentFile } from 'parse-torrent'
import { describe, expect, it } from 'vitest'
import { decodeTorrentBytes } from '../../../src/engine/source.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const pieces = (count: number) => new Uint8Array(20 * count).map((_, index) => index % 251)

function manyFiles(count: number): Record<string, unknown> {
  const files = Array.from({ length: count }, (_, index) => ({
    length: 1 + (index % 97),
    path: [bytes(`d${Math.floor(index / 100)}`), bytes(`f${index}.bin`)],
  }))
  const length = files.reduce((sum, file) => sum + file.length, 0)
  return {
    announce: bytes('http://127.0.0.1:1/announce'),
    comment: bytes('4:infod'),
    'creation date': 1_700_000_000,
    info: { files, name: bytes('many'), 'piece length': 16_384, pieces: pieces(Math.ceil(length / 16_384)) },
  }
}

/** Canonical .torrent dictionaries (bencode sorts keys as it encodes). */
const CANONICAL: Record<string, Record<string, unknown>> = {
  'single file, private, url-list': {
    'url-list': [bytes('http://s1/')],
    info: { length: 40_000, name: bytes('one.bin'), 'piece length': 16_384, pieces: pieces(3), private: 1 },
  },
  'utf-8 names and an unknown key': {
    info: {
      files: [{ length: 5, path: [bytes('x')], 'path.utf-8': [bytes('ü.txt')] }],
      name: bytes('n'),
      'name.utf-8': bytes('naïve'),
      'piece length': 16_384,
      pieces: pieces(1),
      'x-extra': { nested: [1, -2, bytes('z')] },
    },
  },
  '2,000 files': manyFiles(2_000),
}

describe('a canonical info dictionary encodes back to the bytes it was read from', () => {
  for (const [name, dictionary] of Object.entries(CANONICAL)) {
    it(`${name}: the same .torrent and info bytes as parse-torrent's own decode gives`, async () => {
      const file = bencode.encode(dictionary)
      const { parsed } = await decodeTorrentBytes(file)
      const reference = await parseTorrent(file)
      expect(Buffer.from(bencode.encode(parsed.info))).toEqual(Buffer.from(parsed.infoBuffer ?? []))
      expect(Buffer.from(toTorrentFile(parsed))).toEqual(Buffer.from(toTorrentFile(reference)))
    })
  }

  it('writes the bytes kept rather than walking the object', async () => {
    const { parsed } = await decodeTorrentBytes(bencode.encode(CANONICAL['2,000 files']))
    const info = parsed.info as Record<string, unknown>
    const before = Buffer.from(bencode.encode(info))
    // Nothing changes a parsed info dictionary; if something did, the kept bytes would still be written.
    info.extra = 1
    expect(Buffer.from(bencode.encode(info))).toEqual(before)
    delete info.extra
  })

  it("is not used for an info dictionary with a '__proto__' key, which assignment drops", async () => {
    const file = bencode.encode({
      info: { length: 1, name: bytes('x'), 'piece length': 16_384, pieces: pieces(1) },
    })
    // bencode sorts '__proto__' first among the info keys: splice it in by hand, canonically.
    const text = Buffer.from(file).toString('latin1').replace('4:infod', '4:infod9:__proto__i1e')
    const withProto = Buffer.from(text, 'latin1')
    const { parsed } = await decodeTorrentBytes(new Uint8Array(withProto))
    const reference = await parseTorrent(new Uint8Array(withProto))
    expect(Buffer.from(toTorrentFile(parsed))).toEqual(Buffer.from(toTorrentFile(reference)))
    const info = parsed.info as Record<string, unknown>
    info.extra = 1
    expect(Buffer.from(bencode.encode(info)).toString('latin1')).toContain('5:extrai1e')
  })
})
