/** Every refusal reason, produced from real signed fixtures, and every tampering class. */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import parseTorrent from 'parse-torrent'
import { describe, expect, it } from 'vitest'
import { decodeBencode, encodeBencode, entryOf } from '../../../src/provenance/bencode.ts'
import { envelopeToText } from '../../../src/provenance/carriers.ts'
import { encodeEnvelope, signStatement, type Envelope } from '../../../src/provenance/envelope.ts'
import { judgeMagnet, judgeMetadata, judgeTorrentFile } from '../../../src/provenance/gate.ts'
import type { SecretKey } from '../../../src/provenance/keys.ts'
import {
  REFUSAL_ORDER,
  decide,
  scopeMatches,
  sequenceKey,
  type Decision,
  type RefusalReason,
  type TrustView,
  type TrustedPublisher,
} from '../../../src/provenance/policy.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { readProvenanceTorrent, withTorrentEnvelopes } from '../../../src/provenance/torrent.ts'
import { CREATED, EXPIRES, KEY_A, KEY_B, KEY_C, NOW, buildTorrent } from '../../fixtures/provenance/build.ts'

function pinned(key: SecretKey, options: Partial<TrustedPublisher> = {}): TrustedPublisher {
  return {
    fingerprint: key.fingerprint,
    name: key === KEY_A ? 'Alice' : 'Bob',
    publicKey: key.publicKey,
    expiresAt: null,
    scope: null,
    revokedAt: null,
    ...options,
  }
}

function trust(publishers: TrustedPublisher[], sequences: TrustView['sequences'] = new Map()): TrustView {
  return { publishers, sequences }
}

const V = buildTorrent()
const W = buildTorrent('other.txt', new TextEncoder().encode('other content!!\n'))
const signV = (
  key: SecretKey = KEY_A,
  sequence: number | undefined = 7,
  expires: number | undefined = EXPIRES,
) => signTorrent(V, key, { created: CREATED, expires, sequence })

function judge(bytes: Uint8Array, view: TrustView, now = NOW): Decision {
  return judgeTorrentFile(bytes, view, now).decision
}

function expectRefused(decision: Decision, reason: RefusalReason): void {
  expect(decision.accepted, `expected refusal '${reason}', got ${JSON.stringify(decision)}`).toBe(false)
  if (!decision.accepted) expect(decision.reason, decision.message).toBe(reason)
}

/** Replace the torrent's envelopes by `envelope` after `change` (tampering at the field level). */
function tampered(change: (envelope: Envelope) => Envelope, base = V): Uint8Array {
  const { envelope } = signV()
  return withTorrentEnvelopes(base, [change({ ...envelope })])
}

function flip(bytes: Uint8Array, index = 0): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy[index] = (copy[index] as number) ^ 0x01
  return copy
}

describe('the gate accepts', () => {
  it('a torrent signed by a pinned publisher, naming the publisher', () => {
    const decision = judge(signV().bytes, trust([pinned(KEY_A)]))
    expect(decision).toMatchObject({ accepted: true, fingerprint: KEY_A.fingerprint, name: 'Alice' })
  })

  it('a co-signed torrent when any one signer is pinned, listing every pinned signer', () => {
    const both = signTorrent(signV(KEY_A).bytes, KEY_B, { created: CREATED, sequence: 1 })
    expect(readProvenanceTorrent(both.bytes).envelopes).toHaveLength(2)
    expect(judge(both.bytes, trust([pinned(KEY_B)]))).toMatchObject({
      accepted: true,
      fingerprint: KEY_B.fingerprint,
    })
    const all = judge(both.bytes, trust([pinned(KEY_A), pinned(KEY_B)]))
    expect(all.accepted && all.signers.map((signer) => signer.name)).toEqual(['Alice', 'Bob'])
    // A revoked co-signer does not veto a valid pinned one.
    expect(judge(both.bytes, trust([pinned(KEY_A, { revokedAt: 1 }), pinned(KEY_B)])).accepted).toBe(true)
  })

  it('the same sequence again for the same torrent (re-adding is not a rollback)', () => {
    const sequences = new Map([
      [
        sequenceKey(KEY_A.fingerprint, 'vector.txt'),
        { sequence: 7, infoHash: readProvenanceTorrent(V).facts.infoHash },
      ],
    ])
    expect(judge(signV().bytes, trust([pinned(KEY_A)], sequences)).accepted).toBe(true)
  })

  it('a name inside the pinned scope', () => {
    expect(judge(signV().bytes, trust([pinned(KEY_A, { scope: 'vector*' })])).accepted).toBe(true)
  })
})

describe('every refusal reason, from a real signed fixture', () => {
  const cases: [RefusalReason, () => Decision][] = [
    ['unsigned', () => judge(V, trust([pinned(KEY_A)]))],
    ['unknown-publisher', () => judge(signV(KEY_B).bytes, trust([pinned(KEY_A)]))],
    [
      'bad-signature',
      () =>
        judge(
          tampered((e) => ({ ...e, signature: flip(e.signature, 10) })),
          trust([pinned(KEY_A)]),
        ),
    ],
    ['expired', () => judge(signV().bytes, trust([pinned(KEY_A)]), EXPIRES * 1000)],
    ['key-expired', () => judge(signV().bytes, trust([pinned(KEY_A, { expiresAt: NOW - 1 })]))],
    ['revoked', () => judge(signV().bytes, trust([pinned(KEY_A, { revokedAt: NOW - 1000 })]))],
    ['out-of-scope', () => judge(signV().bytes, trust([pinned(KEY_A, { scope: 'debian-*' })]))],
    [
      'rolled-back',
      () =>
        judge(
          signV().bytes,
          trust(
            [pinned(KEY_A)],
            new Map([[sequenceKey(KEY_A.fingerprint, 'vector.txt'), { sequence: 8, infoHash: 'x' }]]),
          ),
        ),
    ],
    [
      'below-threshold',
      () => judge(signV(KEY_B).bytes, { ...trust([pinned(KEY_A), pinned(KEY_B)]), groups: [group(2)] }),
    ],
    ['mismatch', () => judge(withTorrentEnvelopes(W, [signV().envelope]), trust([pinned(KEY_A)]))],
    ['malformed', () => judge(withRawVouch(V, 'l15:not an envelopee'), trust([pinned(KEY_A)]))],
  ]
  it('covers all eleven reasons', () => {
    expect(cases.map(([reason]) => reason).sort()).toEqual([...REFUSAL_ORDER].sort())
  })
  for (const [reason, run] of cases) {
    it(`refuses with '${reason}'`, () => {
      const decision = run()
      expectRefused(decision, reason)
      if (!decision.accepted && reason !== 'unsigned' && reason !== 'malformed')
        expect(decision.fingerprint, 'names the publisher').toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
    })
  }
})

/** A group of keys A, B and C with threshold `k`. */
function group(k: number) {
  return { name: 'Distro', threshold: k, members: [KEY_A, KEY_B, KEY_C].map((key) => key.fingerprint) }
}

describe('threshold groups (k of n)', () => {
  const view = { ...trust([pinned(KEY_A), pinned(KEY_B), pinned(KEY_C)]), groups: [group(2)] }
  const cosigned = (...keys: SecretKey[]) =>
    withTorrentEnvelopes(
      V,
      keys.map((key) => signV(key).envelope),
    )

  it('refuses one key of a 2-of-3 group with below-threshold, saying how many of how many', () => {
    const decision = judge(cosigned(KEY_A), view)
    expectRefused(decision, 'below-threshold')
    if (!decision.accepted)
      expect(decision.message).toMatch(/1 of 3 keys of group 'Distro' signed.*2 are needed/)
  })

  it('gives the counts of a below-threshold refusal as data, for the refusal dialog', () => {
    expect(judge(cosigned(KEY_A), view)).toMatchObject({
      threshold: { group: 'Distro', signed: 1, required: 2, keys: 3 },
    })
  })

  it('accepts two distinct keys of a 2-of-3 group', () => {
    const decision = judge(cosigned(KEY_A, KEY_C), view)
    expect(decision.accepted && decision.signers.map((signer) => signer.fingerprint).sort()).toEqual(
      [KEY_A.fingerprint, KEY_C.fingerprint].sort(),
    )
  })

  it('counts a key once however many envelopes it gives', () => {
    const twice = withTorrentEnvelopes(V, [signV(KEY_A).envelope, signV(KEY_A, 7, EXPIRES - 1).envelope])
    expectRefused(judge(twice, view), 'below-threshold')
  })

  it('an invalid envelope from a second key does not count towards the threshold', () => {
    const bad = { ...signV(KEY_B).envelope, signature: flip(signV(KEY_B).envelope.signature) }
    const decision = judge(withTorrentEnvelopes(V, [signV(KEY_A).envelope, bad]), view)
    expect(decision.accepted).toBe(false)
  })
})

/** `torrent` with a raw `vouch` entry appended (sorts after `info`, so still canonical). */
function withRawVouch(torrent: Uint8Array, rawList: string): Uint8Array {
  const text = Buffer.from(torrent).toString('latin1')
  return new Uint8Array(Buffer.from(`${text.slice(0, -1)}5:vouch${rawList}e`, 'latin1'))
}

describe('tampering is refused, each with its reason', () => {
  const view = trust([pinned(KEY_A)])
  const fieldFlips: [string, (e: Envelope) => Envelope][] = [
    ['signature', (e) => ({ ...e, signature: flip(e.signature, 63) })],
    ['key', (e) => ({ ...e, publicKey: flip(e.publicKey, 5) })],
    ['infohash', (e) => ({ ...e, infoHash: flip(e.infoHash, 19) })],
    ['info SHA-256', (e) => ({ ...e, infoSha256: flip(e.infoSha256, 0) })],
    ['name', (e) => ({ ...e, name: flip(e.name, 0) })],
    ['length', (e) => ({ ...e, length: e.length ^ 1 })],
    ['sequence', (e) => ({ ...e, sequence: 8 })],
    ['expiry', (e) => ({ ...e, expires: (e.expires as number) + 1 })],
  ]
  for (const [field, change] of fieldFlips) {
    it(`one flipped byte in the envelope's ${field}: bad-signature`, () => {
      expectRefused(judge(tampered(change), view), 'bad-signature')
    })
  }

  it('one flipped byte in the signature inside the .torrent bytes: bad-signature', () => {
    const { bytes, envelope } = signV()
    const at = Buffer.from(bytes).indexOf(Buffer.from(envelope.signature))
    expect(at).toBeGreaterThan(0)
    expectRefused(judge(flip(bytes, at + 3), view), 'bad-signature')
  })

  it('one flipped byte in the info dictionary (the name, in the metadata): mismatch', () => {
    const { bytes } = signV()
    const at = Buffer.from(bytes).indexOf(Buffer.from('vector.txt'))
    expectRefused(judge(flip(bytes, at), view), 'mismatch')
  })

  it('the envelope moved from torrent A to torrent B: mismatch', () => {
    expectRefused(judge(withTorrentEnvelopes(W, [signV().envelope]), view), 'mismatch')
  })

  it('the envelope moved to a torrent with the same name and length but other pieces: mismatch', () => {
    const twin = buildTorrent('vector.txt', new TextEncoder().encode('Vouch test DATA\n'))
    expectRefused(judge(withTorrentEnvelopes(twin, [signV().envelope]), view), 'mismatch')
  })

  it('the info dictionary re-encoded with an extra field: mismatch', () => {
    // What a tool that parses and rewrites the info dictionary produces: same files, other bytes.
    const text = Buffer.from(signV().bytes).toString('latin1')
    const end = text.indexOf('6:pieces20:') + '6:pieces20:'.length + 20
    const rewritten = `${text.slice(0, end)}7:privatei0e${text.slice(end)}`
    expect(rewritten).not.toBe(text)
    expectRefused(judge(new Uint8Array(Buffer.from(rewritten, 'latin1')), view), 'mismatch')
  })

  it('the info dictionary re-encoded non-canonically (keys out of order): malformed, never accepted', () => {
    const { bytes } = signV()
    const text = Buffer.from(bytes).toString('latin1')
    const swapped = text.replace('6:lengthi16e4:name10:vector.txt', '4:name10:vector.txt6:lengthi16e')
    expect(swapped).not.toBe(text)
    expectRefused(judge(new Uint8Array(Buffer.from(swapped, 'latin1')), view), 'malformed')
  })

  it('the client would join another infohash than the bytes hash to: mismatch', () => {
    const decision = judgeTorrentFile(signV().bytes, view, NOW, { expectedInfoHash: '0'.repeat(40) }).decision
    expectRefused(decision, 'mismatch')
  })

  it('ranks reasons: a bad signature from one envelope outranks an unknown publisher from another', () => {
    const bad = { ...signV().envelope, signature: flip(signV().envelope.signature) }
    const unknown = signV(KEY_B).envelope
    expectRefused(judge(withTorrentEnvelopes(V, [unknown, bad]), view), 'bad-signature')
  })
})

describe('rollback and expiry', () => {
  const infoHash = readProvenanceTorrent(V).facts.infoHash
  const atSequence = (sequence: number, forInfoHash = 'f'.repeat(40)) =>
    trust(
      [pinned(KEY_A)],
      new Map([[sequenceKey(KEY_A.fingerprint, 'vector.txt'), { sequence, infoHash: forInfoHash }]]),
    )

  it('refuses a lower sequence, and the same sequence for another torrent', () => {
    expectRefused(judge(signV(KEY_A, 6).bytes, atSequence(7, infoHash)), 'rolled-back')
    expectRefused(judge(signV(KEY_A, 7).bytes, atSequence(7)), 'rolled-back')
  })

  it('accepts a higher sequence', () => {
    expect(judge(signV(KEY_A, 8).bytes, atSequence(7)).accepted).toBe(true)
  })

  it('counts per key and torrent name: another product of the same key is not held back (issue 11)', () => {
    const otherProduct = trust(
      [pinned(KEY_A)],
      new Map([
        [sequenceKey(KEY_A.fingerprint, 'other-product.iso'), { sequence: 50, infoHash: 'f'.repeat(40) }],
      ]),
    )
    expect(judge(signV(KEY_A, 1).bytes, otherProduct).accepted, 'numbered').toBe(true)
    expect(judge(signV(KEY_A, undefined).bytes, otherProduct).accepted, 'unnumbered').toBe(true)
  })

  it('refuses an unnumbered envelope from a publisher that numbers releases', () => {
    expectRefused(judge(signV(KEY_A, undefined).bytes, atSequence(7)), 'rolled-back')
  })

  it('accepts until the envelope expiry, refuses from that second on', () => {
    expect(judge(signV().bytes, trust([pinned(KEY_A)]), EXPIRES * 1000 - 1).accepted).toBe(true)
    expectRefused(judge(signV().bytes, trust([pinned(KEY_A)]), EXPIRES * 1000), 'expired')
  })

  it('checks key expiry before envelope expiry, and revocation before both', () => {
    const late = EXPIRES * 1000 + 1
    expectRefused(judge(signV().bytes, trust([pinned(KEY_A, { expiresAt: late - 1 })]), late), 'key-expired')
    expectRefused(
      judge(signV().bytes, trust([pinned(KEY_A, { expiresAt: 1, revokedAt: 1 })]), late),
      'revoked',
    )
  })
})

describe('magnets', () => {
  const infoHash = readProvenanceTorrent(V).facts.infoHash
  const magnet = (envelope: Envelope) => `magnet:?xt=urn:btih:${infoHash}&x.vouch=${envelopeToText(envelope)}`

  it('judges the envelope against the infohash before any metadata exists', () => {
    expect(
      judgeMagnet(magnet(signV().envelope), infoHash, trust([pinned(KEY_A)]), NOW).decision.accepted,
    ).toBe(true)
    expectRefused(
      judgeMagnet(magnet(signV().envelope), 'a'.repeat(40), trust([pinned(KEY_A)]), NOW).decision,
      'mismatch',
    )
    expectRefused(
      judgeMagnet(`magnet:?xt=urn:btih:${infoHash}`, infoHash, trust([]), NOW).decision,
      'unsigned',
    )
  })

  it('checks every bound field when the metadata arrives', () => {
    const info = readProvenanceTorrent(V).infoBytes
    const candidates = [{ ok: true as const, envelope: signV().envelope, carrier: 'magnet' }]
    expect(judgeMetadata(info, candidates, trust([pinned(KEY_A)]), NOW).decision.accepted).toBe(true)
    const otherInfo = readProvenanceTorrent(W).infoBytes
    expectRefused(judgeMetadata(otherInfo, candidates, trust([pinned(KEY_A)]), NOW).decision, 'mismatch')
  })

  it('a garbage x.vouch parameter is malformed, not a crash', () => {
    const decision = judgeMagnet(
      `magnet:?xt=urn:btih:${infoHash}&x.vouch=%%%`,
      infoHash,
      trust([]),
      NOW,
    ).decision
    expectRefused(decision, 'malformed')
  })
})

describe('scope patterns', () => {
  it.each([
    ['debian-*', 'debian-12.iso', true],
    ['debian-*', 'ubuntu.iso', false],
    ['file?.bin', 'file1.bin', true],
    ['file?.bin', 'file10.bin', false],
    ['a.b', 'aXb', false],
    ['(x)+[y]', '(x)+[y]', true],
    ['*', 'anything at all', true],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(scopeMatches(pattern, name)).toBe(expected)
  })

  it('takes linear time: a publisher cannot stall the gate with a name built against the scope', () => {
    const started = Date.now()
    expect(scopeMatches('*a*a*a*.iso', 'a'.repeat(4096))).toBe(false)
    expect(scopeMatches('*-*-*-*-*.iso', '-'.repeat(4095) + 'x')).toBe(false)
    expect(Date.now() - started, 'ms to match').toBeLessThan(200)
  })

  it.each([
    ['*', ''],
    ['a*b*c', 'aXbYc'],
    ['a*b*c', 'abcabc'],
    ['é?', 'éü'],
    ['*\n*', 'line\nbreak'],
  ])('%s matches %s', (pattern, name) => expect(scopeMatches(pattern, name)).toBe(true))

  it('agrees with the equivalent regular expression on short inputs (fast-check)', () => {
    const reference = (pattern: string, name: string) =>
      new RegExp(
        `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c)).join('')}$`,
        'su',
      ).test(name)
    const chars = (alphabet: string, maxLength: number) =>
      fc.array(fc.constantFrom(...alphabet), { maxLength }).map((list) => list.join(''))
    fc.assert(
      fc.property(chars('ab*?', 8), chars('ab\n', 10), (pattern, name) => {
        expect(scopeMatches(pattern, name), `${pattern} / ${name}`).toBe(reference(pattern, name))
      }),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['a*b*c', 'aXbY'],
    ['?', ''],
    ['Debian-*', 'debian-12'],
    ['??', '😀'],
  ])('%s does not match %s', (pattern, name) => expect(scopeMatches(pattern, name)).toBe(false))
})

describe('the name a client uses is the name that was judged', () => {
  it('refuses a name.utf-8 that differs from the signed, scoped name (clients save under name.utf-8)', async () => {
    const bytes = encodeBencode({
      info: {
        length: 16,
        name: new TextEncoder().encode('release-1.txt'),
        'name.utf-8': new TextEncoder().encode('payload.exe'),
        'piece length': 16384,
        pieces: new Uint8Array(20),
      },
    })
    expect((await parseTorrent(bytes)).name, 'the name WebTorrent saves the file under').toBe('payload.exe')
    // Signed by hand: vouch sign itself refuses such a torrent.
    const top = decodeBencode(bytes)
    const info = top.type === 'dictionary' ? entryOf(top, 'info') : undefined
    const infoBytes = bytes.subarray(info?.start, info?.end)
    const envelope = signStatement(
      {
        infoHash: new Uint8Array(createHash('sha1').update(infoBytes).digest()),
        infoSha256: new Uint8Array(createHash('sha256').update(infoBytes).digest()),
        name: new TextEncoder().encode('release-1.txt'),
        length: 16,
        created: CREATED,
      },
      KEY_A,
    )
    const signed = withTorrentEnvelopes(bytes, [envelope])
    const decision = judge(signed, trust([pinned(KEY_A, { scope: 'release-*' })]))
    expectRefused(decision, 'malformed')
    if (!decision.accepted) expect(decision.message).toMatch(/name\.utf-8/)
  })

  it('accepts a name.utf-8 equal to the name', () => {
    const name = new TextEncoder().encode('release-1.txt')
    const bytes = encodeBencode({
      info: { length: 16, name, 'name.utf-8': name, 'piece length': 16384, pieces: new Uint8Array(20) },
    })
    const signed = signTorrent(bytes, KEY_A, { created: CREATED }).bytes
    expect(judge(signed, trust([pinned(KEY_A, { scope: 'release-*' })])).accepted).toBe(true)
  })
})

describe('decide() directly', () => {
  it('is unsigned with no envelopes and malformed when the torrent itself was unreadable', () => {
    expectRefused(
      decide({ facts: { infoHash: 'a'.repeat(40) }, envelopes: [], trust: trust([]), now: NOW }),
      'unsigned',
    )
    expectRefused(
      decide({ facts: { infoHash: '' }, envelopes: [], trust: trust([]), now: NOW, torrentError: 'x' }),
      'malformed',
    )
  })

  it('envelope bytes round-trip through the torrent carrier', () => {
    const { bytes, envelope } = signV()
    const read = readProvenanceTorrent(bytes).envelopes[0]
    expect(
      read?.ok && Buffer.from(encodeEnvelope(read.envelope)).equals(Buffer.from(encodeEnvelope(envelope))),
    ).toBe(true)
  })
})
