import { statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Ban } from '../../../src/defence/ban-store.ts'
import { generateKey } from '../../../src/provenance/keys.ts'
import { blocklistText, parseBlocklist } from '../../../src/reputation/blocklist.ts'
import { formatIp } from '../../../src/reputation/ip.ts'
import { PSEUDONYM_KEY_FILE, pseudonymise, pseudonymKey } from '../../../src/reputation/pseudonym.ts'
import { buildReport, iso } from '../../../src/reputation/report.ts'
import { signReport, verifyReport } from '../../../src/reputation/report-signature.ts'
import { tempDir } from '../../kit/swarm.ts'

/** docs/formats.md, "Ban reports": the bans, key and outputs of vectors R1–R5. */
const BANS: Ban[] = [
  {
    address: '1.2.3.4',
    rangeEnd: null,
    reason: 'poisoned-block',
    source: 'automatic',
    evidence: null,
    note: '',
    createdAt: 1700000000000,
    expiresAt: 1700086400000,
  },
  {
    address: '10.0.0.0',
    rangeEnd: '10.0.255.255',
    reason: 'imported',
    source: 'imported',
    evidence: null,
    note: 'Bad, Corp: west',
    createdAt: 1700000000000,
    expiresAt: null,
  },
  {
    address: '2001:db8:1:2::/64',
    rangeEnd: null,
    reason: 'manual',
    source: 'manual',
    evidence: null,
    note: '',
    createdAt: 1700000000000,
    expiresAt: null,
  },
]
const NOW = 1700000500000
/** Seed 00 01 02 … 1f. */
const KEY = generateKey(new Uint8Array(32).map((_, i) => i))
const PUBLIC_HEX = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8'

const R1_P2P = 'vouch poisoned-block:1.2.3.4-1.2.3.4\nvouch imported Bad Corp west:10.0.0.0-10.0.255.255\n'
const R1_SIGNATURE =
  'f38e9b3f7b84367913a44a862a75261abfe94b39b06eb93281546740d281df6f3349bc5ab00004ee80f3d040d754b112195edd9b466c356aa09b03fce1d62e0d'
const R2_DAT =
  '001.002.003.004 - 001.002.003.004 , 000 , vouch poisoned-block\n010.000.000.000 - 010.000.255.255 , 000 , vouch imported Bad Corp west\n'
const R2_SIGNATURE =
  '00f35d17a419b2cd0da70083e862c4a37d4362e2e20063c2cfd3d1fb87c3d78232be3316b290b06c7f00e8b33f262593ba4af3cc83a5f2ebfd7b8e2590138708'
const R3_CSV =
  'address,range_end,reason,source,note,created_at,expires_at,evidence\r\n' +
  '1.2.3.4,,poisoned-block,automatic,,2023-11-14T22:13:20.000Z,2023-11-15T22:13:20.000Z,\r\n' +
  '10.0.0.0,10.0.255.255,imported,imported,"Bad, Corp: west",2023-11-14T22:13:20.000Z,,\r\n' +
  '2001:db8:1:2::/64,,manual,manual,,2023-11-14T22:13:20.000Z,,\r\n'
const R4_JSON_SIGNATURE =
  '8c2c66b8d15cb397ca03f5bbc164aaaa2761d2366647c3d2c9bff5d5e940c7298c552afc21897bf1754b25c385912fddd66cfc9fb267b540927daa8a04e4140c'

describe('ban reports', () => {
  it('R1: writes PeerGuardian P2P, IPv4 only, and signs it with a trailing comment line', () => {
    const report = buildReport(BANS, 'p2p', { now: NOW })
    expect(report, 'R1').toEqual({ text: R1_P2P, included: 2, omitted: 1 })
    expect(signReport('p2p', report.text, KEY), 'R1').toBe(
      `${R1_P2P}# vouch-signature v1 p2p ed25519 ${PUBLIC_HEX} ${R1_SIGNATURE}\n`,
    )
  })

  it('R2: writes eMule DAT with zero-padded octets and level 000', () => {
    const report = buildReport(BANS, 'dat', { now: NOW })
    expect(report.text, 'R2').toBe(R2_DAT)
    expect(signReport('dat', report.text, KEY), 'R2').toContain(R2_SIGNATURE)
  })

  it('R3: writes RFC 4180 CSV with IPv6 kept', () => {
    expect(buildReport(BANS, 'csv', { now: NOW }).text, 'R3').toBe(R3_CSV)
  })

  it('R4: writes JSON and signs its canonical form', () => {
    const text = buildReport(BANS, 'json', { now: NOW }).text
    const document = JSON.parse(text) as { bans: unknown[]; exportedAt: string }
    expect(document.exportedAt, 'R4').toBe('2023-11-14T22:21:40.000Z')
    expect(document.bans, 'R4').toHaveLength(3)
    const signed = JSON.parse(signReport('json', text, KEY)) as { signature: unknown }
    expect(signed.signature, 'R4').toEqual({
      algorithm: 'ed25519',
      publicKey: PUBLIC_HEX,
      value: R4_JSON_SIGNATURE,
    })
  })

  it.each(['p2p', 'dat', 'csv', 'json'] as const)(
    'verifies a signed %s report, and refuses it once altered',
    (format) => {
      const signed = signReport(format, buildReport(BANS, format, { now: NOW }).text, KEY)
      expect(verifyReport(signed, KEY.publicKey)).toEqual({ ok: true, format, publicKey: PUBLIC_HEX })
      const altered = signed
        .replace('10.0.255.255', '10.0.255.254')
        .replace('010.000.255.255', '010.000.255.254')
      expect(verifyReport(altered, KEY.publicKey)).toMatchObject({ ok: false, problem: 'bad-signature' })
      const other = generateKey()
      expect(verifyReport(signed, other.publicKey)).toMatchObject({
        ok: false,
        problem: 'other-key',
        message: `the report is signed by another key (${KEY.fingerprint})`,
      })
    },
  )

  it('refuses a signature moved to the same bytes read as another format', () => {
    const signed = signReport('p2p', R1_P2P, KEY)
    expect(verifyReport(signed.replace(' v1 p2p ', ' v1 csv '), KEY.publicKey)).toMatchObject({
      ok: false,
      problem: 'bad-signature',
    })
  })

  it('says when a report is unsigned or its signature is malformed, without throwing', () => {
    expect(verifyReport(R1_P2P, KEY.publicKey)).toMatchObject({ ok: false, problem: 'unsigned' })
    expect(verifyReport('{"bans":[]}', KEY.publicKey)).toMatchObject({ ok: false, problem: 'unsigned' })
    expect(verifyReport(`${R1_P2P}# vouch-signature v1 p2p ed25519 zz\n`, KEY.publicKey)).toMatchObject({
      ok: false,
      problem: 'malformed',
    })
    expect(verifyReport('{"signature":{"algorithm":"rsa"}}', KEY.publicKey)).toMatchObject({
      problem: 'malformed',
    })
    expect(verifyReport('', KEY.publicKey)).toMatchObject({ ok: false })
  })

  it('a signed P2P or DAT export still reads back as the same blocklist', () => {
    for (const format of ['p2p', 'dat'] as const) {
      const signed = signReport(format, buildReport(BANS, format, { now: NOW }).text, KEY)
      const parsed = parseBlocklist(blocklistText(new TextEncoder().encode(signed)))
      expect(parsed.malformed, format).toEqual([])
      expect(
        parsed.entries.map((e) => `${formatIp(e.first)}-${formatIp(e.last)}`),
        format,
      ).toEqual(['1.2.3.4-1.2.3.4', '10.0.0.0-10.0.255.255'])
    }
  })

  it('R5: pseudonymises addresses with HMAC-SHA256 under the local key, and drops notes', () => {
    const key = new Uint8Array(32).fill(7)
    expect(pseudonymise(key, '1.2.3.4'), 'R5').toBe('anon:01389ca6445e50fc5c0dbfd6882d2f86')
    const text = buildReport(BANS, 'csv', { now: NOW, pseudonymise: (a) => pseudonymise(key, a) }).text
    expect(text).not.toMatch(/1\.2\.3\.4|10\.0\.|2001:db8|Bad/)
    expect(text).toContain('anon:01389ca6445e50fc5c0dbfd6882d2f86')
  })

  it('creates the pseudonym key once, private to the user, and reuses it', async () => {
    const home = await tempDir('vouch-pseudo-')
    const first = pseudonymKey(home)
    expect(pseudonymKey(home)).toEqual(first)
    expect(statSync(path.join(home, PSEUDONYM_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect(pseudonymKey(await tempDir('vouch-pseudo-'))).not.toEqual(first)
  })
})

describe('iso, the report timestamp', () => {
  /** Times a report meets, in the order it may meet them: days repeat, cross and jump. */
  function times(): number[] {
    let state = 7
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648
    const edges = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 253_402_300_799_999]
    const beyond = [253_402_300_800_000, -62_167_219_200_001, -62_167_219_200_000, 8.64e15, -8.64e15]
    const fractions = [0.5, 1_700_000_000_000.25, -0.5, 86_399_999.9]
    const list = [...edges, ...beyond, ...fractions]
    // Days repeating around a start, as stored bans do, and random times far apart.
    for (let index = 0; index < 20_000; index++) {
      const near = 1_700_000_000_000 + Math.floor(next() * 5 * 86_400_000)
      list.push(near, Math.floor((next() - 0.3) * 2.6e14), near + 1)
    }
    return list
  }

  it('writes what toISOString writes, day cache or not, for every time including the edges', () => {
    for (const ms of times()) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString())
    expect(iso(null)).toBeNull()
  })

  it('refuses an invalid time as toISOString does', () => {
    expect(() => iso(Number.NaN)).toThrow(RangeError)
    expect(() => iso(8.64e15 + 1)).toThrow(RangeError)
  })
})
