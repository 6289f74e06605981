import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import type { Ban } from '../../../src/defence/ban-store.ts'
import { parseIp } from '../../../src/reputation/ip.ts'
import { SCORE_HALF_LIFE_MS } from '../../../src/reputation/scores.ts'
import { ReputationStore, type ReputationStoreOptions } from '../../../src/reputation/store.ts'
import { tempDir } from '../../kit/swarm.ts'

const HOUR = 3_600_000

function ban(address: string, overrides: Partial<Ban> = {}): Ban {
  return {
    address,
    rangeEnd: null,
    reason: 'poisoned-block',
    source: 'automatic',
    evidence: { infoHash: 'ab'.repeat(20), piece: 3, offset: 16384, badDigest: 'aa', goodDigest: 'bb' },
    note: '',
    createdAt: 1_000,
    expiresAt: null,
    ...overrides,
  }
}

function entry(first: string, last: string, label = '') {
  const a = parseIp(first)
  const b = parseIp(last)
  if (!a || !b) throw new Error('bad test address')
  return { first: a, last: b, label }
}

describe('the reputation store', () => {
  const stores: ReputationStore[] = []
  let clock = 1_000
  afterEach(() => {
    for (const store of stores.splice(0)) store.close()
    clock = 1_000
  })

  async function open(options: ReputationStoreOptions = {}, file?: string) {
    const target = file ?? path.join(await tempDir('vouch-rep-'), 'vouch.db')
    const store = ReputationStore.open(target, { now: () => clock, ...options })
    stores.push(store)
    return store
  }

  function reopen(store: ReputationStore, options: ReputationStoreOptions = {}) {
    store.close()
    const again = ReputationStore.open(store.file, { now: () => clock, ...options })
    stores.push(again)
    return again
  }

  it('opens in WAL mode', async () => {
    const store = await open()
    expect(store.database.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
  })

  it('keeps bans across a restart, with their evidence', async () => {
    let store = await open()
    store.add(ban('127.0.0.7'))
    store = reopen(store)
    expect(store.banFor('127.0.0.7')).toEqual(ban('127.0.0.7'))
    expect(store.banFor('127.0.0.8')).toBeUndefined()
  })

  it('lets expired bans lapse, before and after a restart', async () => {
    let store = await open()
    store.add(ban('127.0.0.7', { expiresAt: 2 * HOUR }))
    clock = HOUR
    expect(store.banFor('127.0.0.7')).toBeDefined()
    clock = 3 * HOUR
    expect(store.banFor('127.0.0.7')).toBeUndefined()
    expect(store.list()).toEqual([])
    store = reopen(store)
    expect(store.banFor('127.0.0.7')).toBeUndefined()
    expect(store.priorBans('127.0.0.7')).toBe(1)
  })

  it('bans an IPv6 peer by its /64, so other addresses of the same subscriber are covered', async () => {
    const store = await open()
    store.add(ban('2001:db8:1:2::/64'))
    expect(store.banFor('2001:db8:1:2:ffff::9')).toBeDefined()
    expect(store.banFor('2001:db8:1:3::1')).toBeUndefined()
  })

  it('answers for addresses inside imported ranges, and only those', async () => {
    let store = await open()
    const added = store.importBans(
      [entry('10.0.0.0', '10.0.255.255', 'ten'), entry('2001:db8::', '2001:db8::ff')],
      {
        subject: 'list.p2p',
      },
    )
    expect(added).toHaveLength(2)
    store = reopen(store)
    expect(store.banFor('10.0.200.1')?.note).toBe('ten')
    expect(store.banFor('::ffff:10.0.0.1')?.note).toBe('ten')
    expect(store.banFor('10.1.0.0')).toBeUndefined()
    expect(store.banFor('2001:db8::80')).toBeDefined()
    expect(store.banFor('2001:db8::100')).toBeUndefined()
    expect(store.importBans([entry('10.0.0.0', '10.0.255.255', 'ten')], { subject: 'again' })).toEqual([])
  })

  it('lifts bans, remembers that there was one, and the lift survives a restart', async () => {
    let store = await open()
    store.add(ban('127.0.0.7'))
    expect(store.lift('127.0.0.7')).toBe(1)
    expect(store.banFor('127.0.0.7')).toBeUndefined()
    expect(store.lift('127.0.0.7')).toBe(0)
    store = reopen(store)
    expect(store.banFor('127.0.0.7')).toBeUndefined()
    expect(store.priorBans('127.0.0.7')).toBe(1)
    store.add(ban('127.0.0.7'))
    expect(store.priorBans('127.0.0.7')).toBe(2)
  })

  it('batches writes: nothing reaches the file until the flush interval, then all in one commit', async () => {
    const store = await open({ flushIntervalMs: 50 })
    const commits: number[] = []
    store.onCommit((summary) => commits.push(summary.items))
    const outside = new DatabaseSync(store.file, { readOnly: true })
    for (let i = 0; i < 20; i++)
      store.record({ type: 'provenance.accepted', subject: `torrent-${i}`, details: { i } })
    store.add(ban('127.0.0.9'))
    const count = () => (outside.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n
    expect(count()).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(commits).toEqual([21])
    expect(count()).toBe(20)
    outside.close()
  })

  it('writes as soon as a batch is full, without waiting for the timer', async () => {
    const store = await open({ flushIntervalMs: 60_000, maxBatch: 10 })
    const commits: number[] = []
    store.onCommit((summary) => commits.push(summary.items))
    for (let i = 0; i < 10; i++) store.record({ type: 'trust.pinned', subject: `k${i}`, details: {} })
    await new Promise((resolve) => setImmediate(resolve))
    expect(commits).toEqual([10])
  })

  it('writes what is queued on close', async () => {
    const store = await open({ flushIntervalMs: 60_000 })
    store.record({ type: 'trust.pinned', subject: 'k', details: {} })
    store.recordContribution('127.0.0.3', { piecesGood: 2 })
    store.close()
    const reader = ReputationStore.open(store.file)
    stores.push(reader)
    expect(reader.peers()[0]?.piecesGood).toBe(2)
    expect((reader.database.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n).toBe(1)
  })

  it('adds up contributions per host, whatever the port or peer ID', async () => {
    const store = await open()
    store.recordContribution('127.0.0.3', {
      bytesGood: 1000,
      piecesGood: 1,
      peerId: 'aa',
      client: 'WebTorrent',
    })
    store.recordContribution('::ffff:127.0.0.3', { bytesBad: 500, piecesBad: 1, peerId: 'bb' })
    store.flush()
    store.recordContribution('127.0.0.3', { strikes: 1, peerId: 'aa', client: 'qBittorrent' })
    store.recordUpload('127.0.0.3', 4096)
    const [peer] = store.peers()
    expect(peer).toMatchObject({
      address: '127.0.0.3',
      peerIds: ['aa', 'bb'],
      clients: ['WebTorrent', 'qBittorrent'],
      bytesDown: 1500,
      bytesBad: 500,
      bytesUp: 4096,
      piecesGood: 1,
      piecesBad: 1,
      strikes: 1,
    })
    expect(peer?.score).toBe(1 - 20 - 10)
  })

  it('keeps at most 16 peer IDs for a host that keeps minting new ones', async () => {
    const store = await open()
    for (let i = 0; i < 40; i++) store.recordContribution('127.0.0.4', { peerId: `id-${i}` })
    store.flush()
    for (let i = 40; i < 50; i++) store.recordContribution('127.0.0.4', { peerId: `id-${i}` })
    const ids = store.peers()[0]?.peerIds ?? []
    expect(ids).toHaveLength(16)
    expect(ids.at(-1)).toBe('id-49')
  })

  it('decays scores by half every half-life, across restarts', async () => {
    let store = await open()
    store.recordContribution('127.0.0.5', { piecesGood: 64 })
    store.flush()
    clock += SCORE_HALF_LIFE_MS
    expect(store.peers()[0]?.score).toBeCloseTo(32)
    store = reopen(store)
    clock += SCORE_HALF_LIFE_MS
    store.recordContribution('127.0.0.5', { piecesGood: 4 })
    expect(store.peers()[0]?.score).toBeCloseTo(20)
  })

  it('tells ban listeners at once, before the write', async () => {
    const store = await open({ flushIntervalMs: 60_000 })
    const heard: string[] = []
    store.onBansAdded((bans) => heard.push(...bans.map((b) => b.address)))
    store.add(ban('127.0.0.6'))
    store.importBans([entry('10.0.0.1', '10.0.0.1')], { subject: 'x' })
    expect(heard).toEqual(['127.0.0.6', '10.0.0.1'])
  })

  it('refuses a file that is not a store with a clear error', async () => {
    const file = path.join(await tempDir(), 'vouch.db')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(file, 'this is not sqlite, just text that is long enough to have a header'.repeat(20))
    expect(() => ReputationStore.open(file)).toThrow(/cannot open the reputation store/)
  })
})
