import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeBencode, type Encodable } from '../../../src/provenance/bencode.ts'
import {
  envelopesFromMagnet,
  formatSidecar,
  magnetWithEnvelopes,
  parseSidecar,
} from '../../../src/provenance/carriers.ts'
import { EnvelopeError, decodeEnvelope, encodeEnvelope } from '../../../src/provenance/envelope.ts'
import { decide } from '../../../src/provenance/policy.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { TorrentFormatError, readProvenanceTorrent } from '../../../src/provenance/torrent.ts'
import { CREATED, EXPIRES, KEY_A, KEY_B, NOW, buildTorrent } from '../../fixtures/provenance/build.ts'

const V = buildTorrent()
const signed = signTorrent(V, KEY_A, { created: CREATED, expires: EXPIRES, sequence: 7 })
const valid = signed.envelope
const infoHash = signed.infoHash

/** The vector envelope as plain fields, to break one at a time. */
function fields(): Record<string, Encodable | undefined> {
  return {
    created: valid.created,
    expires: valid.expires,
    'info-sha256': valid.infoSha256,
    infohash: valid.infoHash,
    key: valid.publicKey,
    length: valid.length,
    name: valid.name,
    sequence: valid.sequence,
    signature: valid.signature,
    v: 1,
  }
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'))

describe('malformed envelopes give a clear EnvelopeError', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['a list', encodeBencode([1, 2]), /is a list, not a dictionary/],
    ['an unknown field', encodeBencode({ ...fields(), zzz: 1 }), /unknown field 'zzz'/],
    ['no signature', encodeBencode({ ...fields(), signature: undefined }), /no 'signature'/],
    ['no key', encodeBencode({ ...fields(), key: undefined }), /no 'key'/],
    [
      'a name that is an integer',
      encodeBencode({ ...fields(), name: 5 }),
      /'name' is a integer, not a string/,
    ],
    ['a length that is a string', encodeBencode({ ...fields(), length: bytes('16') }), /'length' is a bytes/],
    [
      'a 19-byte infohash',
      encodeBencode({ ...fields(), infohash: valid.infoHash.subarray(1) }),
      /19 bytes, not 20/,
    ],
    ['a 31-byte key', encodeBencode({ ...fields(), key: valid.publicKey.subarray(1) }), /31 bytes, not 32/],
    [
      'a 63-byte signature',
      encodeBencode({ ...fields(), signature: valid.signature.subarray(1) }),
      /63 bytes, not 64/,
    ],
    [
      'a 33-byte info-sha256',
      encodeBencode({ ...fields(), 'info-sha256': new Uint8Array(33) }),
      /33 bytes, not 32/,
    ],
    ['a huge length', encodeBencode({ ...fields(), length: 2n ** 60n }), /'length' is out of range/],
    ['a negative length', encodeBencode({ ...fields(), length: -1 }), /'length' is out of range/],
    ['a zero length', encodeBencode({ ...fields(), length: 0 }), /length must be a positive/],
    ['a 21-digit integer', bytes(`d7:createdi${'9'.repeat(21)}ee`), /more than 20 digits/],
    [
      'a creation time after year 9999',
      encodeBencode({ ...fields(), created: 253_402_300_800 }),
      /created must be a time/,
    ],
    ['an expiry before creation', encodeBencode({ ...fields(), expires: CREATED }), /expires must be later/],
    ['an empty name', encodeBencode({ ...fields(), name: new Uint8Array() }), /name must be a non-empty/],
    [
      'a 5000-byte name',
      encodeBencode({ ...fields(), name: new Uint8Array(5000).fill(97) }),
      /more than 8192 bytes|longer than 4096/,
    ],
    [
      'version 2 without sources-sha256',
      encodeBencode({ ...fields(), v: 2 }),
      /version 2 needs 'sources-sha256'/,
    ],
    ['version 3', encodeBencode({ ...fields(), v: 3 }), /version 3 is not supported/],
    [
      'version 1 with sources-sha256',
      encodeBencode({ ...fields(), 'sources-sha256': new Uint8Array(32) }),
      /version 1 may not have 'sources-sha256'/,
    ],
    ['deep nesting', bytes(`d4:namel${'l'.repeat(50)}${'e'.repeat(51)}e`), /deeper than 2/],
    ['more than 8 KiB', new Uint8Array(9000), /more than 8192/],
    ['truncated bencode', encodeEnvelope(valid).subarray(0, 100), /not valid bencode/],
  ]
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => decodeEnvelope(input)).toThrow(EnvelopeError)
      expect(() => decodeEnvelope(input)).toThrow(message)
    })
  }

  it('round-trips the valid envelope', () => {
    expect(
      Buffer.from(encodeEnvelope(decodeEnvelope(encodeEnvelope(valid)))).equals(
        Buffer.from(encodeEnvelope(valid)),
      ),
    ).toBe(true)
  })
})

describe('carriers', () => {
  it('a magnet carries one x.vouch parameter per co-signer, and reads back', () => {
    const cosigned = signTorrent(signed.bytes, KEY_B, { created: CREATED })
    const magnet = magnetWithEnvelopes(
      { infoHash, name: 'vector.txt', trackers: ['http://127.0.0.1:1/announce'] },
      cosigned.envelopes,
    )
    expect(magnet).toMatch(
      /^magnet:\?xt=urn:btih:[0-9a-f]{40}&dn=vector.txt&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce&x\.vouch=/,
    )
    const read = envelopesFromMagnet(magnet)
    expect(read.map((candidate) => candidate.ok)).toEqual([true, true])
  })

  it('a sidecar holds one envelope per line and ignores comments', () => {
    const text = formatSidecar([valid])
    expect(text.startsWith('# Vouch envelopes')).toBe(true)
    expect(parseSidecar(text).map((candidate) => candidate.ok)).toEqual([true])
    expect(parseSidecar('# only a comment\n\n')).toEqual([])
  })

  it('more than 16 envelopes in a carrier: the rest is reported malformed', () => {
    const line = formatSidecar([valid]).split('\n')[1] as string
    const read = parseSidecar(Array(40).fill(line).join('\n'))
    expect(read).toHaveLength(17)
    expect(read.at(-1)).toMatchObject({ ok: false, error: 'more than 16 envelopes' })
  })

  it('a non-canonical torrent cannot be read strictly', () => {
    expect(() => readProvenanceTorrent(bytes('d4:infod4:name1:a6:lengthi1eee'))).toThrow(TorrentFormatError)
    expect(() => readProvenanceTorrent(bytes('d5:vouchle4:infod6:lengthi1e4:name1:aee'))).toThrow(
      TorrentFormatError,
    )
    expect(() => readProvenanceTorrent(bytes('le'))).toThrow(/not a dictionary/)
    expect(() => readProvenanceTorrent(bytes('d4:infod6:lengthi-1e4:name1:aee'))).toThrow(/out of range/)
  })
})

describe('parser properties (fast-check)', () => {
  it('arbitrary bytes: decodeEnvelope returns or raises EnvelopeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (input) => {
        try {
          decodeEnvelope(input)
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('any one changed byte of a valid envelope is never accepted', () => {
    const encoded = encodeEnvelope(valid)
    const trust = {
      publishers: [
        {
          fingerprint: KEY_A.fingerprint,
          name: 'A',
          publicKey: KEY_A.publicKey,
          expiresAt: null,
          scope: null,
          revokedAt: null,
        },
      ],
      sequences: new Map(),
    }
    const facts = readProvenanceTorrent(V).facts
    fc.assert(
      fc.property(
        fc.nat({ max: encoded.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (position, delta) => {
          const mutated = new Uint8Array(encoded)
          mutated[position] = ((mutated[position] as number) + delta) % 256
          let envelope
          try {
            envelope = decodeEnvelope(mutated)
          } catch (error) {
            expect(error).toBeInstanceOf(EnvelopeError)
            return
          }
          const decision = decide({
            facts,
            envelopes: [{ ok: true, envelope, carrier: 'test' }],
            trust,
            now: NOW,
          })
          expect(decision.accepted, `byte ${position} + ${delta}`).toBe(false)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('arbitrary magnet and sidecar text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        envelopesFromMagnet(`magnet:?xt=urn:btih:${infoHash}&x.vouch=${text}`)
        envelopesFromMagnet(text)
        parseSidecar(text)
      }),
      { numRuns: 2000 },
    )
  })

  it('arbitrary bytes as a .torrent: TorrentFormatError or a result, never a crash', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (noise, position, byte) => {
          for (const input of [
            noise,
            Object.assign(new Uint8Array(signed.bytes), { [position % signed.bytes.length]: byte }),
          ]) {
            try {
              readProvenanceTorrent(input)
            } catch (error) {
              expect(error).toBeInstanceOf(TorrentFormatError)
            }
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})
