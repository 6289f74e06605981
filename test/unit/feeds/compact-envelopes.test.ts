/**
 * The compact `vouch2` form of a feed item's envelopes (docs/formats.md, "Feeds"): round trips,
 * byte-identical rebuilds, tampering caught by the gate, every refusal, the fit limit, vector F2.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signMutableItem } from '../../../src/feeds/bep44.ts'
import { checkRelease } from '../../../src/feeds/release-check.ts'
import { compactEnvelopes } from '../../../src/feeds/release-envelopes.ts'
import {
  MAX_RELEASE_ENVELOPES,
  ReleaseValueError,
  SIGNERS_THAT_FIT,
  decodeReleaseValue,
  encodeReleaseValue,
} from '../../../src/feeds/release-value.ts'
import { encodeBencode, type Encodable } from '../../../src/provenance/bencode.ts'
import { encodeEnvelope, verifyEnvelopeSignature, type Envelope } from '../../../src/provenance/envelope.ts'
import { secretKeyFromSeed, type SecretKey } from '../../../src/provenance/keys.ts'
import type { TrustView } from '../../../src/provenance/policy.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { CREATED, EXPIRES, KEY_A, KEY_B, KEY_C, NOW, buildTorrent } from '../../fixtures/provenance/build.ts'

/** docs/formats.md, "Feeds": vector F2. */
const F2 = {
  valueLength: 613,
  valueSha256: 'd6bfc1f5ab206c97a9209dfe4eff6c8c75abc37c9852230710339889f0d5cd62',
}

const V = buildTorrent()
const KEYS: SecretKey[] = Array.from({ length: 8 }, (_, index) =>
  secretKeyFromSeed(Uint8Array.from({ length: 32 }, (_, byte) => (index * 32 + byte + 96) % 256)),
)

/** `keys` each sign torrent `torrent`, a minute apart (so `created` differs per signer). */
function release(keys: readonly SecretKey[], torrent = V, bindSources = false) {
  const signed = keys.map((key, index) =>
    signTorrent(torrent, key, { created: CREATED + 60 * index, expires: EXPIRES, sequence: 7, bindSources }),
  )
  const infoHash = new Uint8Array(Buffer.from((signed[0] as { infoHash: string }).infoHash, 'hex'))
  return { infoHash, envelopes: signed.map((one) => one.envelope) }
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

function view(keys: readonly SecretKey[], threshold: number): TrustView {
  return {
    publishers: keys.map((key, index) => ({
      fingerprint: key.fingerprint,
      name: `Signer ${index + 1}`,
      publicKey: key.publicKey,
      expiresAt: null,
      scope: null,
      revokedAt: null,
    })),
    sequences: new Map(),
    groups: [{ name: 'Product', threshold, members: keys.map((key) => key.fingerprint) }],
  }
}

function expectMalformed(value: Uint8Array, message: RegExp): void {
  expect(() => decodeReleaseValue(value)).toThrow(ReleaseValueError)
  expect(() => decodeReleaseValue(value)).toThrow(message)
}

describe('vouch2, the compact envelopes of co-signers', () => {
  it.each([1, 2, 3, 4, 5])('round trip of %i envelope(s), each rebuilt byte for byte', (count) => {
    const { infoHash, envelopes } = release(KEYS.slice(0, count))
    const value = encodeReleaseValue({ infoHash, envelopes, expires: EXPIRES })
    const text = Buffer.from(value).toString('latin1')
    expect(text.includes('5:vouchl'), 'one envelope stays in the plain list').toBe(count === 1)
    expect(text.includes('6:vouch2d'), 'two or more go compact').toBe(count > 1)
    const decoded = decodeReleaseValue(value)
    expect(decoded.expires).toBe(EXPIRES)
    expect(
      decoded.envelopes.map((envelope) => Buffer.from(encodeEnvelope(envelope)).toString('hex')),
    ).toEqual(envelopes.map((envelope) => Buffer.from(encodeEnvelope(envelope)).toString('hex')))
    expect(decoded.envelopes.every(verifyEnvelopeSignature)).toBe(true)
  })

  it('a compact item for a 3-of-3 group passes the gate, with fields that differ per signer kept apart', () => {
    const { infoHash, envelopes } = release([KEY_A, KEY_B, KEY_C])
    // KEY_C's sequence differs, so `sequence` moves from the shared fields into each signer's.
    const third = signTorrent(V, KEY_C, { created: CREATED, sequence: 8, bindSources: false }).envelope
    const value = encodeReleaseValue({
      infoHash,
      envelopes: [envelopes[0] as Envelope, envelopes[1] as Envelope, third],
    })
    expect(Buffer.from(value).toString('latin1')).not.toMatch(/1:sd[^]*8:sequence/)
    const item = signMutableItem({ salt: bytes('vector'), seq: 7, value }, KEY_A)
    const check = checkRelease(item, view([KEY_A, KEY_B, KEY_C], 3), NOW)
    expect(check.ok, JSON.stringify(check)).toBe(true)
    if (check.ok) expect(check.signers.map((signer) => signer.sequence)).toEqual([7, 7, 8])
  })

  it('a tampered shared field makes every signature fail at the gate', () => {
    const { infoHash, envelopes } = release([KEY_A, KEY_B, KEY_C])
    const value = encodeReleaseValue({ infoHash, envelopes })
    const text = Buffer.from(value).toString('latin1')
    expect(text).toContain('4:name10:vector.txt')
    const forged = Buffer.from(text.replace('4:name10:vector.txt', '4:name10:vector.exe'), 'latin1')
    const decoded = decodeReleaseValue(forged)
    expect(decoded.envelopes).toHaveLength(3)
    expect(decoded.envelopes.map(verifyEnvelopeSignature)).toEqual([false, false, false])
    const item = signMutableItem({ salt: bytes('vector'), seq: 7, value: forged }, KEY_A)
    const check = checkRelease(item, view([KEY_A, KEY_B, KEY_C], 1), NOW)
    expect(check).toMatchObject({ ok: false, reason: 'bad-signature' })
  })

  it('the writer refuses envelopes that disagree on the torrent, or are for another infohash', () => {
    const { infoHash, envelopes } = release([KEY_A, KEY_B])
    const renamed = { ...(envelopes[1] as Envelope), name: bytes('vector.exe') }
    expect(() => encodeReleaseValue({ infoHash, envelopes: [envelopes[0] as Envelope, renamed] })).toThrow(
      /the envelopes disagree on 'name'/,
    )
    const other = release([KEY_B], buildTorrent('other.txt', bytes('other content!!\n')))
    expect(() =>
      encodeReleaseValue({ infoHash, envelopes: [envelopes[0] as Envelope, ...other.envelopes] }),
    ).toThrow(/envelope 2 is for infohash [0-9a-f]{40}, not the item's ih/)
    expect(() => compactEnvelopes(infoHash, envelopes.slice(0, 1))).toThrow(ReleaseValueError)
  })

  it(`fits ${SIGNERS_THAT_FIT} signatures for a torrent with a 40-byte name, and says so beyond`, () => {
    const name = `${'n'.repeat(36)}.bin`
    expect(bytes(name)).toHaveLength(40)
    const torrent = buildTorrent(name, new Uint8Array(300_000).fill(1), {
      announce: 'http://127.0.0.1:6969/announce',
    })
    const fits = release(KEYS.slice(0, SIGNERS_THAT_FIT), torrent, true)
    expect(encodeReleaseValue({ ...fits, expires: EXPIRES }).length).toBeLessThanOrEqual(1000)
    const over = release(KEYS.slice(0, SIGNERS_THAT_FIT + 1), torrent, true)
    expect(() => encodeReleaseValue({ ...over, expires: EXPIRES })).toThrow(
      new RegExp(
        `more than BEP 44's 1000 \\(an item holds ${SIGNERS_THAT_FIT} signatures for a torrent with a 40-byte name\\)`,
      ),
    )
  })

  describe('the reader refuses', () => {
    const { infoHash, envelopes } = release([KEY_A, KEY_B, KEY_C])
    const compact = compactEnvelopes(infoHash, envelopes) as { e: Encodable[]; s: Record<string, Encodable> }
    const withCompact = (vouch2: Encodable, extra: Record<string, Encodable> = {}) =>
      encodeBencode({ ih: infoHash, vouch2, ...extra })

    it('the unchanged compact form (the control)', () => {
      expect(decodeReleaseValue(withCompact(compact)).envelopes).toHaveLength(3)
    })
    it('an item carrying both forms', () => {
      expectMalformed(
        withCompact(compact, { vouch: [encodeEnvelope(envelopes[0] as Envelope)] }),
        /both 'vouch' and 'vouch2'/,
      )
    })
    it('an unknown key inside vouch2', () => {
      expectMalformed(withCompact({ ...compact, x: 1 }), /'vouch2' has an unknown key 'x'/)
    })
    it('an unknown field in the shared fields or a signer entry', () => {
      expectMalformed(
        withCompact({ ...compact, s: { ...compact.s, zzz: 1 } }),
        /envelope 1: envelope has an unknown field 'zzz'/,
      )
      const entries = compact.e.map((entry, index) =>
        index === 1 ? { ...(entry as object), zzz: 1 } : entry,
      )
      expectMalformed(
        withCompact({ ...compact, e: entries }),
        /envelope 2: envelope has an unknown field 'zzz'/,
      )
    })
    it('a field both shared and per signer, a shared key or infohash, a missing signature', () => {
      const entries = (change: (entry: Record<string, Encodable>) => Record<string, Encodable>) =>
        compact.e.map((entry) => change({ ...(entry as Record<string, Encodable>) }))
      expectMalformed(
        withCompact({ ...compact, e: entries((entry) => ({ ...entry, name: bytes('x') })) }),
        /repeats 'name', which is shared/,
      )
      expectMalformed(
        withCompact({ ...compact, e: entries((entry) => ({ ...entry, infohash: infoHash })) }),
        /repeats 'infohash'/,
      )
      expectMalformed(withCompact({ ...compact, s: { ...compact.s, key: KEY_A.publicKey } }), /shares 'key'/)
      expectMalformed(
        withCompact({ ...compact, s: { ...compact.s, infohash: infoHash } }),
        /shares 'infohash'/,
      )
      expectMalformed(
        withCompact({ ...compact, e: entries(({ signature: _dropped, ...entry }) => entry) }),
        /has no 'signature'/,
      )
    })
    it('a torrent field that is not shared', () => {
      const { length, ...shared } = compact.s
      const entries = compact.e.map((entry) => ({ ...(entry as object), length: length as Encodable }))
      expectMalformed(withCompact({ e: entries, s: shared }), /'vouch2' does not share 'length'/)
    })
    it('fewer than two envelopes, or more than the limit', () => {
      expectMalformed(withCompact({ ...compact, e: compact.e.slice(0, 1) }), /one goes in 'vouch'/)
      const many = Array.from({ length: MAX_RELEASE_ENVELOPES + 1 }, () => ({ key: bytes('k') }))
      expectMalformed(withCompact({ ...compact, e: many }), /more than 16 envelopes/)
    })
    it('duplicate keys and keys out of order (not canonical bencode)', () => {
      const raw = (value: Encodable) => Buffer.from(encodeBencode(value)).toString('latin1')
      const head = `d2:ih20:${Buffer.from(infoHash).toString('latin1')}6:vouch2d`
      const [e, s] = [raw(compact.e), raw(compact.s)]
      const build = (inner: string) => Buffer.from(`${head}${inner}ee`, 'latin1')
      expect(decodeReleaseValue(build(`1:e${e}1:s${s}`)).envelopes).toHaveLength(3)
      expectMalformed(build(`1:e${e}1:e${e}1:s${s}`), /not canonical bencode/)
      expectMalformed(build(`1:s${s}1:e${e}`), /not canonical bencode/)
    })
    it('a string where a dictionary belongs', () => {
      expectMalformed(withCompact(bytes('vouch')), /'vouch2' is a bytes, not a dictionary/)
      expectMalformed(withCompact({ ...compact, e: [bytes('x'), bytes('y')] }), /envelope 1 is a bytes/)
    })
  })
})

describe('Vouch feed vector F2', () => {
  it('F2: keys A, B, C sign release V at sequence 7 a minute apart: the compact value', () => {
    const { infoHash, envelopes } = release([KEY_A, KEY_B, KEY_C])
    const value = encodeReleaseValue({ infoHash, envelopes, expires: EXPIRES })
    expect(value.length, 'F2 value length').toBe(F2.valueLength)
    expect(createHash('sha256').update(value).digest('hex'), 'F2 value SHA-256').toBe(F2.valueSha256)
    expect(decodeReleaseValue(value).envelopes.map(encodeEnvelope)).toEqual(envelopes.map(encodeEnvelope))
  })
})
