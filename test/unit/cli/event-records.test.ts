import { describe, expect, it } from 'vitest'
import { auditRecord, liveRecord, parseSince } from '../../../src/cli/event-records.ts'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const HASH = 'a'.repeat(40)

describe('vouch events records', () => {
  it.each([
    ['90s', NOW - 90_000],
    ['15m', NOW - 900_000],
    ['2h', NOW - 7_200_000],
    ['7d', NOW - 604_800_000],
    ['2026-11-30', Date.parse('2026-11-30')],
    ['2026-11-30T08:00:00+01:00', Date.parse('2026-11-30T07:00:00Z')],
  ])('reads --since %s', (text, at) => expect(parseSince(text, NOW)).toBe(at))

  it.each(['yesterday', '', '15', '5w', '2026-13-45', '1e3s'])('refuses --since %j', (text) =>
    expect(parseSince(text, NOW)).toBeNull(),
  )

  it('writes an audit entry with its seq, time and details, version 1', () => {
    expect(
      auditRecord({ seq: 7, at: NOW, type: 'ban.lifted', subject: '127.0.0.9', details: { lifted: 1 } }),
    ).toEqual({
      version: 1,
      source: 'audit',
      seq: 7,
      at: NOW,
      time: '2026-12-01T12:00:00.000Z',
      type: 'ban.lifted',
      subject: '127.0.0.9',
      details: { lifted: 1 },
    })
  })

  it('streams hash failures and completions, and leaves out per-second numbers and audited duplicates', () => {
    expect(
      liveRecord({ event: 'torrent.hashFailed', payload: { infoHash: HASH, piece: 3, bytes: 16384 } }, NOW),
    ).toMatchObject({
      source: 'engine',
      seq: null,
      type: 'torrent.hash-failed',
      subject: HASH,
      details: { piece: 3, bytes: 16384 },
    })
    expect(liveRecord({ event: 'torrent.done', payload: { infoHash: HASH, name: 'x.iso' } }, NOW)?.type).toBe(
      'torrent.done',
    )
    expect(
      liveRecord(
        { event: 'stats.sample', payload: { at: NOW, downloadSpeed: 1, uploadSpeed: 0, hashFailures: 0 } },
        NOW,
      ),
    ).toBeNull()
    expect(liveRecord({ event: 'bans.changed', payload: {} }, NOW)).toBeNull()
  })
})
