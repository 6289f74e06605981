/**
 * A .torrent's bytes are decoded once (source.ts decodeTorrentBytes): the provenance gate's strict
 * reading, and WebTorrent's ParsedTorrent built from it, which must be exactly what parse-torrent
 * makes of the same bytes. What the strict reading cannot stand for (non-canonical bencode, a key
 * that is not ASCII, an integer past 2^53) is decoded as parse-torrent does.
 */
import bencode from 'bencode'
import fc from 'fast-check'
import parseTorrent from 'parse-torrent'
import { describe, expect, it, vi } from 'vitest'
import { decodeTorrentBytes } from '../../../src/engine/source.ts'
import { readProvenanceTorrent } from '../../../src/provenance/torrent.ts'

const text = (value: string) => new TextEncoder().encode(value)
const PIECE_LENGTH = 16_384

const component = fc
  .stringMatching(/^[a-zA-Z0-9 _é水ü-]{1,10}$/)
  .filter((name) => name !== '.' && name !== '..')
const bytesOf = (arbitrary: fc.Arbitrary<string>) => arbitrary.map(text)
const url = fc.constantFrom('http://127.0.0.1:1/announce', 'udp://127.0.0.1:2', 'http://seed.example/')

/** Well-formed .torrent dictionaries with every field parse-torrent reads, each present or not. */
const torrentDictionary = fc
  .record(
    {
      name: bytesOf(component),
      nameUtf8: bytesOf(component),
      files: fc.array(
        fc.record({ length: fc.nat(70_000), path: fc.array(component, { minLength: 1, maxLength: 3 }) }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      single: fc.boolean(),
      privateFlag: fc.constantFrom(0, 1),
      announce: url,
      announceList: fc.array(fc.array(url, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
      urlList: fc.oneof(url.map(text), fc.array(url.map(text), { maxLength: 2 })),
      comment: bytesOf(fc.string({ maxLength: 20 })),
      createdBy: bytesOf(fc.string({ maxLength: 10 })),
      creationDate: fc.integer({ min: 1, max: 2 ** 40 }),
      extra: fc.uint8Array({ maxLength: 8 }),
    },
    { requiredKeys: ['name', 'files', 'single'] },
  )
  .map((fields) => {
    const files = fields.single ? [fields.files[0]!] : fields.files
    const length = files.reduce((sum, file) => sum + file.length, 0)
    const info: Record<string, unknown> = {
      name: fields.name,
      'piece length': PIECE_LENGTH,
      pieces: new Uint8Array(20 * Math.ceil(length / PIECE_LENGTH)).map((_, index) => index % 251),
      ...(fields.single
        ? { length }
        : { files: files.map((file) => ({ length: file.length, path: file.path.map(text) })) }),
      ...(fields.nameUtf8 ? { 'name.utf-8': fields.name } : {}),
      ...(fields.privateFlag !== undefined ? { private: fields.privateFlag } : {}),
    }
    return {
      info,
      ...(fields.announce ? { announce: text(fields.announce) } : {}),
      ...(fields.announceList ? { 'announce-list': fields.announceList.map((tier) => tier.map(text)) } : {}),
      ...(fields.urlList ? { 'url-list': fields.urlList } : {}),
      ...(fields.comment ? { comment: fields.comment } : {}),
      ...(fields.createdBy ? { 'created by': fields.createdBy } : {}),
      ...(fields.creationDate ? { 'creation date': fields.creationDate } : {}),
      ...(fields.extra ? { 'x-extra': fields.extra } : {}),
    }
  })

describe('decoding a .torrent once for the gate and for WebTorrent', () => {
  it('gives what parse-torrent gives, and the gate’s own reading, from one decode', async () => {
    await fc.assert(
      fc.asyncProperty(torrentDictionary, async (dictionary) => {
        const file = bencode.encode(dictionary) as Uint8Array
        const decode = vi.spyOn(bencode, 'decode')
        const decoded = await decodeTorrentBytes(file)
        expect(decode, 'bencode package decodes').not.toHaveBeenCalled()
        decode.mockRestore()
        // One reading serves both: WebTorrent's info bytes are the gate's span of the file itself.
        expect(decoded.parsed.infoBuffer).toBe(decoded.reading?.infoBytes)
        expect(decoded.parsed.infoBuffer?.buffer).toBe(file.buffer)
        expect(decoded.parsed).toEqual(await parseTorrent(file))
        expect(decoded.reading).toEqual(readProvenanceTorrent(file))
      }),
      { numRuns: 150 },
    )
  })

  it.each([
    [
      'a key that is not ASCII',
      { info: { length: 1, name: text('x'), 'piece length': 16_384, pieces: new Uint8Array(20), ké: 1 } },
    ],
    [
      'an integer past 2^53',
      {
        'creation date': 2 ** 60,
        info: { length: 1, name: text('x'), 'piece length': 16_384, pieces: new Uint8Array(20) },
      },
    ],
  ])('falls back to parse-torrent’s decode for %s, and still gives what it gives', async (_, dictionary) => {
    const file = bencode.encode(dictionary) as Uint8Array
    const decoded = await decodeTorrentBytes(file)
    expect(decoded.parsed).toEqual(await parseTorrent(file))
    expect(decoded.reading, 'the gate still gets its strict reading').toEqual(readProvenanceTorrent(file))
  })

  it('decodes non-canonical bencode as parse-torrent does, leaving the gate to refuse it', async () => {
    // Keys out of order: canonical bencode sorts them, so the strict reader refuses this file.
    const file = text('d4:infod6:lengthi1e12:piece lengthi16384e4:name1:x6:pieces20:aaaaaaaaaaaaaaaaaaaaee')
    expect(() => readProvenanceTorrent(file)).toThrow(/not canonical/)
    const decoded = await decodeTorrentBytes(file)
    expect(decoded.reading).toBeUndefined()
    expect(decoded.parsed).toEqual(await parseTorrent(file))
  })
})
