import { describe, expect, it } from 'vitest'
import { parseRules } from '../../../src/rules/config.ts'
import {
  clientMatcher,
  judgeIdle,
  judgeMultiDial,
  judgeObservation,
  judgeProgress,
  peerIdText,
  type PeerObservation,
} from '../../../src/rules/judge.ts'
import { insideAny, networkOf, networkText, parseNetwork } from '../../../src/rules/network.ts'

const MIB = 1024 * 1024

function observation(fields: Partial<PeerObservation> = {}): PeerObservation {
  return {
    address: '192.0.2.7',
    infoHash: 'a'.repeat(40),
    peerIds: [],
    clients: [],
    torrentLength: 64 * MIB,
    pieceLength: MIB,
    bytesUploaded: 0,
    distinctPeerIds: 1,
    requests: 10,
    aheadPieces: 0,
    claimedRequests: 0,
    rewindPieces: 0,
    groupConnections: 1,
    idleMs: 0,
    firstSeen: 0,
    lastSeen: 0,
    ...fields,
  }
}

const rules = parseRules({
  version: 1,
  client: [
    { id: 'xunlei', field: 'peerId', match: 'prefix', pattern: '-XL', action: 'ban' },
    {
      id: 'offline',
      field: 'client',
      match: 'contains',
      pattern: 'offline',
      caseInsensitive: true,
      action: 'shadow',
    },
    { id: 'exact', field: 'client', match: 'exact', pattern: 'Leech 1.0', action: 'strike' },
    { id: 'qd', field: 'peerId', match: 'regex', pattern: '^-(QD|BN)\\d{4}-', action: 'ban' },
  ],
})

describe('client rules', () => {
  const match = clientMatcher(rules)
  it.each([
    ['peerId', '-XL0012-abcdefghijkl', 'xunlei'],
    ['client', 'Xunlei OFFLINE 0.0.1', 'offline'],
    ['client', 'Leech 1.0', 'exact'],
    ['peerId', '-QD1234-abcdefghijkl', 'qd'],
  ] as const)('%s %s matches rule %s', (field, value, id) => {
    expect(match(field, value)?.evidence).toMatchObject({ rule: id, kind: 'client', facts: { field, value } })
  })

  it.each([
    ['peerId', '-qB4650-abcdefghijkl'],
    ['client', 'Leech 1.0.1'],
    ['peerId', 'x-XL0012-'],
    ['peerId', '-QD12-abcdefghijkl'],
  ] as const)('%s %s matches no rule', (field, value) => {
    expect(match(field, value)).toBeNull()
  })

  it('reads peer IDs as text with non-printable bytes as dots', () => {
    expect(peerIdText(Buffer.from('-XL0012-\u0001\u00ffabcdefghij', 'latin1').toString('hex'))).toBe(
      '-XL0012-..abcdefghij',
    )
  })
})

describe('progress rules', () => {
  const defaults = parseRules({ version: 1 })
  it('ahead: fires above the slack (4 pieces or 5%, the larger), as a shadow by default', () => {
    expect(judgeProgress(defaults, 'progress-ahead', observation({ aheadPieces: 4 }))).toBeNull()
    const verdict = judgeProgress(
      defaults,
      'progress-ahead',
      observation({ aheadPieces: 5, bytesUploaded: MIB }),
    )
    expect(verdict).toMatchObject({ action: 'shadow', reason: 'progress-cheat' })
    expect(verdict?.evidence.facts).toMatchObject({ aheadPieces: 5, slackPieces: 4, uploadedBytes: MIB })
    const big = observation({ torrentLength: 1000 * MIB, aheadPieces: 49 })
    expect(judgeProgress(defaults, 'progress-ahead', big)).toBeNull()
  })

  it('over-download: more than 1.5× the torrent per distinct peer ID (NAT), up to four', () => {
    expect(judgeProgress(defaults, 'over-download', observation({ bytesUploaded: 96 * MIB }))).toBeNull()
    expect(judgeProgress(defaults, 'over-download', observation({ bytesUploaded: 97 * MIB }))?.action).toBe(
      'ban',
    )
    const nat = observation({ bytesUploaded: 180 * MIB, distinctPeerIds: 2 })
    expect(judgeProgress(defaults, 'over-download', nat)).toBeNull()
    const many = observation({ bytesUploaded: 400 * MIB, distinctPeerIds: 50 })
    expect(judgeProgress(defaults, 'over-download', many)?.evidence.facts.budgetBytes).toBe(384 * MIB)
  })

  it('claims-then-requests and rewind fire at their thresholds', () => {
    expect(judgeProgress(defaults, 'claims-then-requests', observation({ claimedRequests: 3 }))).toBeNull()
    expect(judgeProgress(defaults, 'claims-then-requests', observation({ claimedRequests: 4 }))?.action).toBe(
      'ban',
    )
    expect(judgeProgress(defaults, 'progress-rewind', observation({ rewindPieces: 1 }))).toBeNull()
    expect(judgeProgress(defaults, 'progress-rewind', observation({ rewindPieces: 2 }))?.action).toBe(
      'strike',
    )
  })

  it('a disabled progress rule never fires', () => {
    const off = parseRules({ version: 1, progress: { enabled: false } })
    expect(judgeProgress(off, 'over-download', observation({ bytesUploaded: 1000 * MIB }))).toBeNull()
  })
})

describe('multi-dial and idle rules', () => {
  const defaults = parseRules({ version: 1 })
  it('multi-dial fires above 8 connections from one group', () => {
    expect(judgeMultiDial(defaults, observation({ groupConnections: 8 }), '192.0.2.0/24')).toBeNull()
    expect(
      judgeMultiDial(defaults, observation({ groupConnections: 9 }), '192.0.2.0/24')?.evidence.facts,
    ).toEqual({
      group: '192.0.2.0/24',
      connections: 9,
      maxConnections: 8,
    })
  })

  it('idle fires after ten minutes, as a strike', () => {
    expect(judgeIdle(defaults, observation({ idleMs: 599_999 }))).toBeNull()
    expect(judgeIdle(defaults, observation({ idleMs: 600_000 }))?.action).toBe('strike')
  })

  it('the dry run judges every rule of one observation', () => {
    const verdicts = judgeObservation(
      rules,
      clientMatcher(rules),
      observation({ peerIds: ['-XL0012-abcdefghijkl'], groupConnections: 20, idleMs: 3_600_000 }),
      '192.0.2.0/24',
    )
    expect(verdicts.map((verdict) => verdict.reason)).toEqual(['client-rule', 'multi-dial', 'idle'])
  })
})

describe('networks', () => {
  it.each([
    ['192.0.2.77', '192.0.2.0/24'],
    ['::ffff:192.0.2.77', '192.0.2.0/24'],
    ['2001:db8:1:2ff:1::1', '2001:db8:1:200::/56'],
    ['2001:db8:1:200::', '2001:db8:1:200::/56'],
  ])('%s is in %s', (host, text) => {
    const network = networkOf(host, 24, 56)
    expect(network && networkText(network)).toBe(text)
  })

  it('a dual-stack peer lands in two groups, one per family, never twice in one', () => {
    const v4 = networkOf('192.0.2.77', 24, 56)
    const v6 = networkOf('2001:db8::77', 24, 56)
    expect(v4 && networkText(v4)).not.toBe(v6 && networkText(v6))
  })

  it('exempt networks match inside and only inside', () => {
    const exempt = ['10.0.0.0/8', '2001:db8::/32'].map((cidr) => parseNetwork(cidr)).filter((n) => n !== null)
    expect(insideAny('10.200.3.4', exempt)).toBe(true)
    expect(insideAny('11.0.0.1', exempt)).toBe(false)
    expect(insideAny('2001:db8:ffff::1', exempt)).toBe(true)
    expect(insideAny('2001:db9::1', exempt)).toBe(false)
    expect(parseNetwork('10.0.0.0/33')).toBeNull()
  })
})
