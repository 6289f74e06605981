import { describe, expect, it } from 'vitest'
import { encodeBencode } from '../../../src/provenance/bencode.ts'
import { decodeEnvelope, encodeEnvelope, verifyEnvelopeSignature } from '../../../src/provenance/envelope.ts'
import { judgeTorrentFile } from '../../../src/provenance/gate.ts'
import type { TrustView } from '../../../src/provenance/policy.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { readProvenanceTorrent, withTorrentEnvelopes } from '../../../src/provenance/torrent.ts'
import { buildTorrent, CREATED, EXPIRES, KEY_A, NOW } from '../../fixtures/provenance/build.ts'

const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex')
const TRACKER = 'http://tracker.example/announce'
/** docs/formats.md, "Envelope version 2": torrent T = V with `announce` TRACKER. */
const T = buildTorrent('vector.txt', undefined, { announce: TRACKER })
const trust: TrustView = {
  publishers: [
    {
      fingerprint: KEY_A.fingerprint,
      publicKey: KEY_A.publicKey,
      name: 'A',
      expiresAt: null,
      scope: null,
      revokedAt: null,
    },
  ],
  sequences: new Map(),
} as unknown as TrustView

/** The same torrent and envelopes with its other top-level entries replaced (what a redistributor can do). */
function withTop(bytes: Uint8Array, top: Record<string, unknown>): Uint8Array {
  const envelopes = readProvenanceTorrent(bytes).envelopes.flatMap((candidate) =>
    candidate.ok ? [candidate.envelope] : [],
  )
  return withTorrentEnvelopes(concatTop(bytes, top), envelopes)
}

/** Rebuild the top level: the exact info bytes, plus the given entries (bencode sorts keys). */
function concatTop(bytes: Uint8Array, top: Record<string, unknown>): Uint8Array {
  const { infoBytes } = readProvenanceTorrent(bytes)
  const marker = new Uint8Array(20).fill(0xee)
  const template = encodeBencode({ ...top, info: marker })
  const at = Buffer.from(template).indexOf(Buffer.concat([Buffer.from('20:'), Buffer.from(marker)]))
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(template.subarray(0, at)),
      Buffer.from(infoBytes),
      Buffer.from(template.subarray(at + 23)),
    ]),
  )
}

describe('envelope version 2 binds the tracker and web-seed lists (docs/formats.md)', () => {
  it('S1: the sources digest of T and of V (no lists)', () => {
    expect(hex(readProvenanceTorrent(T).facts.sourcesSha256), 'S1 T').toBe(
      '71b467e0eacc639dd3b8840b51038e5475b2d50b0c2df93d091b979bbcda74fc',
    )
    expect(hex(readProvenanceTorrent(buildTorrent()).facts.sourcesSha256), 'S1 V').toBe(
      '959a45d44e6fcf58361ed004681556fe50129f2109e817dec098c00c9e5d2578',
    )
  })

  it('S2: signing binds them by default (a 346-byte version 2 envelope) and reads back', () => {
    const signed = signTorrent(T, KEY_A, { created: CREATED, expires: EXPIRES, sequence: 7 })
    const bytes = encodeEnvelope(signed.envelope)
    expect(bytes.length, 'S2 length').toBe(346)
    expect(hex(signed.envelope.signature), 'S2 signature').toBe(
      'd818b7d76d268fa0d300697c55375238b3f96d1689a47e10fd7c93ec8d9452b930645b5fe218db4572c3977fa6863d215fa0bb7fc3e96d484d6821fb54bdce08',
    )
    const read = decodeEnvelope(bytes)
    expect(hex(read.sourcesSha256)).toBe('71b467e0eacc639dd3b8840b51038e5475b2d50b0c2df93d091b979bbcda74fc')
    expect(verifyEnvelopeSignature(read)).toBe(true)
    expect(judgeTorrentFile(signed.bytes, trust, NOW).decision.accepted).toBe(true)
  })

  it('refuses a swapped, added or removed tracker or web seed as mismatch; an unbound envelope does not care', () => {
    const bound = signTorrent(T, KEY_A, { created: CREATED, expires: EXPIRES }).bytes
    const unbound = signTorrent(T, KEY_A, { created: CREATED, expires: EXPIRES, bindSources: false }).bytes
    const enc = (text: string) => new TextEncoder().encode(text)
    for (const top of [
      { announce: enc('http://evil.example/announce') },
      { announce: enc(TRACKER), 'url-list': enc('http://evil.example/seed/') },
      { announce: enc(TRACKER), 'announce-list': [[enc('udp://evil.example:1')]] },
      {},
    ]) {
      const decision = judgeTorrentFile(withTop(bound, top), trust, NOW).decision
      expect(decision.accepted, JSON.stringify(Object.keys(top))).toBe(false)
      if (!decision.accepted) {
        expect(decision.reason).toBe('mismatch')
        expect(decision.message).toMatch(/tracker or web-seed list/)
      }
      expect(judgeTorrentFile(withTop(unbound, top), trust, NOW).decision.accepted).toBe(true)
    }
    // Other top-level fields are not bound: a changed comment still verifies.
    expect(
      judgeTorrentFile(withTop(bound, { announce: enc(TRACKER), comment: enc('x') }), trust, NOW).decision
        .accepted,
    ).toBe(true)
  })
})
