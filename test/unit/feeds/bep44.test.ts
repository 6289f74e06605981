/** BEP 44 and BEP 46 published test vectors, and Vouch's own feed vectors (docs/formats.md, "Feeds"). */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  MAX_VALUE_BYTES,
  itemProblem,
  mutableTarget,
  signMutableItem,
  signedPayload,
  verifyMutableItem,
  type MutableItem,
} from '../../../src/feeds/bep44.ts'
import { feedNameToSalt, formatFeedMagnet, parseFeedMagnet } from '../../../src/feeds/feed-magnet.ts'
import {
  ReleaseValueError,
  decodeReleaseValue,
  encodeReleaseValue,
} from '../../../src/feeds/release-value.ts'
import { encodeBencode } from '../../../src/provenance/bencode.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { CREATED, EXPIRES, KEY_A, KEY_B, buildTorrent } from '../../fixtures/provenance/build.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))
const ascii = (text: string) => new TextEncoder().encode(text)

/** http://bittorrent.org/beps/bep_0044.html, "Test Vectors". */
const BEP44 = {
  publicKey: bytes('77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548'),
  value: ascii('12:Hello World!'),
  test1: {
    signed: '3:seqi1e1:v12:Hello World!',
    target: '4a533d47ec9c7d95b1ad75f576cffc641853b750',
    signature:
      '305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01',
  },
  test2: {
    salt: ascii('foobar'),
    signed: '4:salt6:foobar3:seqi1e1:v12:Hello World!',
    target: '411eba73b6f087ca51a3795d9c8c938d365e32c1',
    signature:
      '6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08',
  },
  immutableTarget: 'e5f96f6f38320f0f33959cb4d3d656452117aadb',
}

/** http://bittorrent.org/beps/bep_0046.html, "Test Vectors". */
const BEP46 = {
  publicKey: bytes('8543d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e'),
  target: 'cc3f9d90b572172053626f9980ce261a850d050b',
  salt: bytes('6e'),
  saltedTarget: '59ee7c2cb9b4f7eb1986ee2d18fd2fdb8a56554f',
}

/** docs/formats.md, "Feeds": vector F1. */
const F1 = {
  magnet:
    'magnet:?xs=urn:btpk:03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8&s=766563746f72',
  target: '250238762e99ca25d5463bcdb0d21a54b9e7fb93',
  valueLength: 357,
  valueSha256: 'f7d6af247b3779c28d7463715d7fc23e210e47ce1de31332aea5c9ab00080d9c',
  signature:
    'b13dcd572798ae9289a5b404e8da2c67d052db3e5555f339c4500138b3223c1a6382d6e9a28ec82cd4e71fe7c24940d3aa9e8a1ddde3654138479c3cfb596808',
}

function bep44Item(test: 'test1' | 'test2'): MutableItem {
  return {
    publicKey: BEP44.publicKey,
    salt: test === 'test2' ? BEP44.test2.salt : new Uint8Array(),
    seq: 1,
    value: BEP44.value,
    signature: bytes(BEP44[test].signature),
  }
}

function vectorRelease() {
  // F1 carries a version 1 envelope (no tracker binding), as docs/formats.md writes it out.
  const signed = signTorrent(buildTorrent(), KEY_A, {
    created: CREATED,
    expires: EXPIRES,
    sequence: 7,
    bindSources: false,
  })
  return {
    signed,
    value: encodeReleaseValue({
      infoHash: bytes(signed.infoHash),
      envelopes: [signed.envelope],
      expires: EXPIRES,
    }),
  }
}

describe('BEP 44 published vectors', () => {
  it('BEP 44 test 1 (mutable): signed buffer, target and signature', () => {
    expect(
      Buffer.from(signedPayload(new Uint8Array(), 1, BEP44.value)).toString(),
      'BEP44 test 1 buffer',
    ).toBe(BEP44.test1.signed)
    expect(hex(mutableTarget(BEP44.publicKey, new Uint8Array())), 'BEP44 test 1 target').toBe(
      BEP44.test1.target,
    )
    expect(verifyMutableItem(bep44Item('test1')), 'BEP44 test 1 signature').toBe(true)
  })

  it('BEP 44 test 2 (mutable with salt): the salt prefixes the signed buffer and goes into the target', () => {
    expect(
      Buffer.from(signedPayload(BEP44.test2.salt, 1, BEP44.value)).toString(),
      'BEP44 test 2 buffer',
    ).toBe(BEP44.test2.signed)
    expect(hex(mutableTarget(BEP44.publicKey, BEP44.test2.salt)), 'BEP44 test 2 target').toBe(
      BEP44.test2.target,
    )
    expect(verifyMutableItem(bep44Item('test2')), 'BEP44 test 2 signature').toBe(true)
  })

  it('BEP 44 test 3 (immutable): the target is SHA-1 of the bencoded value', () => {
    expect(createHash('sha1').update(BEP44.value).digest('hex'), 'BEP44 test 3 target').toBe(
      BEP44.immutableTarget,
    )
  })

  it('a signature moved to another salt, seq or value does not verify', () => {
    const item = bep44Item('test2')
    expect(verifyMutableItem({ ...item, salt: ascii('foobaz') }), 'other salt').toBe(false)
    expect(verifyMutableItem({ ...item, salt: new Uint8Array() }), 'no salt').toBe(false)
    expect(verifyMutableItem({ ...item, seq: 2 }), 'other seq').toBe(false)
    expect(verifyMutableItem({ ...item, value: ascii('12:Hello World?') }), 'other value').toBe(false)
    expect(verifyMutableItem({ ...item, signature: new Uint8Array(63) }), 'short signature').toBe(false)
  })
})

describe('BEP 46 published vectors', () => {
  it('BEP 46 test 1: magnet to target without salt', () => {
    expect(hex(mutableTarget(BEP46.publicKey, new Uint8Array())), 'BEP46 test 1').toBe(BEP46.target)
  })

  it('BEP 46 test 2: magnet to target with the salt 6e', () => {
    const magnet = `magnet:?xs=urn:btpk:${hex(BEP46.publicKey)}&s=6e`
    const feed = parseFeedMagnet(magnet)
    expect(hex(mutableTarget(feed.publicKey, feed.salt)), 'BEP46 test 2').toBe(BEP46.saltedTarget)
    expect(formatFeedMagnet(feed), 'BEP46 test 2 round trip').toBe(magnet)
  })
})

describe('Vouch feed vector F1', () => {
  it('F1: key A, feed "vector", release V at sequence 7: magnet, target, value and signature', () => {
    const salt = feedNameToSalt('vector')
    expect(formatFeedMagnet({ publicKey: KEY_A.publicKey, salt }), 'F1 magnet').toBe(F1.magnet)
    expect(hex(mutableTarget(KEY_A.publicKey, salt)), 'F1 target').toBe(F1.target)
    const { value } = vectorRelease()
    expect(value.length, 'F1 value length').toBe(F1.valueLength)
    expect(createHash('sha256').update(value).digest('hex'), 'F1 value SHA-256').toBe(F1.valueSha256)
    const item = signMutableItem({ salt, seq: 7, value }, KEY_A)
    expect(hex(item.signature), 'F1 signature').toBe(F1.signature)
    expect(itemProblem(item, { publicKey: KEY_A.publicKey, salt }), 'F1 checks').toBeNull()
  })

  it('F1 decodes back to the infohash, the envelope and the expiry', () => {
    const { signed, value } = vectorRelease()
    const release = decodeReleaseValue(value)
    expect(hex(release.infoHash)).toBe(signed.infoHash)
    expect(release.envelopes).toHaveLength(1)
    expect(release.envelopes[0]?.sequence).toBe(7)
    expect(release.expires).toBe(EXPIRES)
  })
})

describe('checking answers from DHT nodes', () => {
  const salt = feedNameToSalt('vector')
  const expected = { publicKey: KEY_A.publicKey, salt }
  const good = () => signMutableItem({ salt, seq: 7, value: vectorRelease().value }, KEY_A)

  it.each([
    ['a forged signature', () => ({ ...good(), signature: new Uint8Array(64).fill(1) }), 'bad-signature'],
    [
      'a value altered after signing',
      () => ({ ...good(), value: encodeBencode({ ih: new Uint8Array(20) }) }),
      'bad-signature',
    ],
    [
      'another key',
      () => signMutableItem({ salt, seq: 7, value: vectorRelease().value }, KEY_B),
      'wrong-key',
    ],
    [
      'another feed of the same key',
      () => signMutableItem({ salt: ascii('other'), seq: 7, value: vectorRelease().value }, KEY_A),
      'wrong-salt',
    ],
    [
      'a value over 1000 bytes',
      () => ({ ...good(), value: encodeBencode({ ih: new Uint8Array(MAX_VALUE_BYTES) }) }),
      'oversized',
    ],
    [
      'a value that is not canonical bencode',
      () => ({ ...good(), value: ascii('d2:ih1:a1:a1:be') }),
      'malformed',
    ],
  ] as const)('refuses %s', (_what, build, problem) => {
    expect(itemProblem(build() as MutableItem, expected)).toBe(problem)
  })

  it('refuses an answer that names another salt, even with a valid signature', () => {
    expect(itemProblem(good(), expected, ascii('other'))).toBe('wrong-salt')
  })

  it('will not sign a value over 1000 bytes or a salt over 64', () => {
    expect(() =>
      signMutableItem({ salt, seq: 1, value: encodeBencode(new Uint8Array(1000)) }, KEY_A),
    ).toThrow(/1000/)
    expect(() => signMutableItem({ salt: new Uint8Array(65), seq: 1, value: ascii('i1e') }, KEY_A)).toThrow(
      /64/,
    )
  })
})

describe('feed magnets and release values', () => {
  it.each([
    ['magnet:?xt=urn:btih:c0253baaca6157faf26c63247bd1debc5becc547', /no xs=urn:btpk/],
    ['magnet:?xs=urn:btpk:1234', /64 hex/],
    [`magnet:?xs=urn:btpk:${'a'.repeat(64)}&s=7`, /hex bytes/],
    [`magnet:?xs=urn:btpk:${'a'.repeat(64)}&s=${'00'.repeat(65)}`, /more than 64/],
    ['http://example.com/', /expected magnet/],
  ])('rejects %s', (text, message) => {
    expect(() => parseFeedMagnet(text)).toThrow(message)
  })

  it('reads a magnet with its parameters in any order and upper-case hex', () => {
    const feed = parseFeedMagnet(`magnet:?s=6E&dn=x&xs=urn:btpk:${hex(BEP46.publicKey).toUpperCase()}`)
    expect(hex(feed.salt)).toBe('6e')
    expect(hex(feed.publicKey)).toBe(hex(BEP46.publicKey))
  })

  it('a feed name is 1 to 64 bytes without control characters', () => {
    expect(() => feedNameToSalt('')).toThrow(/--feed/)
    expect(() => feedNameToSalt('x'.repeat(65))).toThrow(/--feed/)
    expect(() => feedNameToSalt('a\nb')).toThrow(/--feed/)
    expect(hex(feedNameToSalt('n'))).toBe('6e')
  })

  it('a release that does not fit 1000 bytes is refused before it is signed', () => {
    const { signed } = vectorRelease()
    // Seven envelopes overflow even the compact form (compact-envelopes.test.ts has the exact fit).
    const many = Array.from({ length: 7 }, () => signed.envelope)
    expect(() => encodeReleaseValue({ infoHash: bytes(signed.infoHash), envelopes: many })).toThrow(
      /more than BEP 44's 1000/,
    )
  })

  it.each([
    ['a list', ascii('le')],
    ['no ih', encodeBencode({ x: 1 })],
    ['a short ih', encodeBencode({ ih: new Uint8Array(19) })],
    ['vouch not a list', encodeBencode({ ih: new Uint8Array(20), vouch: 1 })],
    ['a broken envelope', encodeBencode({ ih: new Uint8Array(20), vouch: [ascii('de')] })],
  ])('a value with %s is not a release', (_what, value) => {
    expect(() => decodeReleaseValue(value)).toThrow(ReleaseValueError)
  })

  it('reads the dictionary inside a string value, as python-libtorrent puts it', () => {
    const inner = encodeBencode({ ih: new Uint8Array(20).fill(5) })
    expect(hex(decodeReleaseValue(encodeBencode(inner)).infoHash)).toBe('05'.repeat(20))
  })

  it('a plain BEP 46 value (only ih) is read with no envelopes', () => {
    expect(decodeReleaseValue(encodeBencode({ ih: new Uint8Array(20).fill(7) })).envelopes).toEqual([])
  })
})
