import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import {
  LATEST_VERSION,
  migrate,
  MIGRATIONS,
  schemaVersion,
} from '../../../src/reputation/migrations/index.ts'
import { ReputationStore } from '../../../src/reputation/store.ts'
import { tempDir } from '../../kit/swarm.ts'
import path from 'node:path'

/** Tables, columns and indexes, for comparing schemas. */
function schema(db: DatabaseSync): unknown[] {
  return db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
}

function contents(db: DatabaseSync, table: string): unknown[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()
}

describe('reputation store migrations', () => {
  let db: DatabaseSync
  afterEach(() => db?.close())

  it('numbers migrations 1, 2, … with no gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1))
  })

  it('001 initial: creates peers and bans on an empty database', () => {
    db = new DatabaseSync(':memory:')
    expect(migrate(db, 0)).toEqual([])
    expect(schema(db)).toEqual([])
    expect(migrate(db, 1)).toEqual([1])
    expect(schemaVersion(db)).toBe(1)
    const names = (schema(db) as { name: string }[]).map((row) => row.name)
    expect(names).toEqual(['bans', 'bans_active', 'bans_address', 'peers'])
    db.prepare(
      "INSERT INTO bans (address, reason, source, created_at) VALUES ('1.2.3.4', 'manual', 'manual', 1)",
    ).run()
    expect(() =>
      db
        .prepare("INSERT INTO bans (address, reason, source, created_at) VALUES ('1.2.3.4', 'x', 'bogus', 1)")
        .run(),
    ).toThrow(/CHECK/)
  })

  it('002 audit log: adds the audit table and keeps every peer and ban row as it was', () => {
    db = new DatabaseSync(':memory:')
    migrate(db, 1)
    db.prepare(
      `INSERT INTO peers (address, peer_ids, clients, first_seen, last_seen, bytes_down, pieces_good, score, score_at)
       VALUES ('127.0.0.2', '["2d5757"]', '["WebTorrent"]', 10, 20, 4096, 3, 3.0, 20)`,
    ).run()
    db.prepare(
      `INSERT INTO bans (address, range_end, reason, source, evidence, note, created_at, expires_at)
       VALUES ('1.2.3.0', '1.2.3.255', 'imported', 'imported', NULL, 'list', 5, NULL),
              ('127.0.0.9', NULL, 'poisoned-block', 'automatic', '{"piece":1}', '', 6, 99)`,
    ).run()
    const before = { peers: contents(db, 'peers'), bans: contents(db, 'bans') }
    expect(migrate(db, 2)).toEqual([2])
    expect(schemaVersion(db)).toBe(2)
    expect({ peers: contents(db, 'peers'), bans: contents(db, 'bans') }).toEqual(before)
    db.prepare(
      "INSERT INTO audit (seq, at, type, subject, details, prev_hash, hash) VALUES (1, 1, 't', 's', '{}', 'p', 'h')",
    ).run()
    expect(() => db.prepare("UPDATE audit SET subject = 'x'").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/)
  })

  it('003 rules: adds rule evidence to bans and the observations table, keeping every ban row', () => {
    db = new DatabaseSync(':memory:')
    migrate(db, 2)
    db.prepare(
      `INSERT INTO bans (address, range_end, reason, source, evidence, note, created_at, expires_at)
       VALUES ('127.0.0.9', NULL, 'poisoned-block', 'automatic', '{"piece":1}', '', 6, 99)`,
    ).run()
    const before = contents(db, 'bans') as Record<string, unknown>[]
    expect(migrate(db, 3)).toEqual([3])
    expect(schemaVersion(db)).toBe(3)
    expect(contents(db, 'bans')).toEqual(before.map((row) => ({ ...row, rule_evidence: null })))
    // Bans applied from a followed report carry their feed as source; other sources stay refused.
    db.prepare(
      "INSERT INTO bans (address, reason, source, created_at) VALUES ('1.2.3.4', 'poisoned-block', 'feed:eu-1 1a2b-3c4d-5e6f-7a8b', 7)",
    ).run()
    expect(() =>
      db
        .prepare("INSERT INTO bans (address, reason, source, created_at) VALUES ('1.2.3.4', 'x', 'bogus', 1)")
        .run(),
    ).toThrow(/CHECK/)
    db.prepare(
      `INSERT INTO peer_observations (address, info_hash, torrent_length, piece_length, first_seen, last_seen)
       VALUES ('127.0.0.9', 'ab', 10, 5, 1, 2)`,
    ).run()
    expect(contents(db, 'peer_observations')).toEqual([
      expect.objectContaining({
        address: '127.0.0.9',
        info_hash: 'ab',
        bytes_up: 0,
        ahead_pieces: 0,
        peer_ids: '[]',
      }),
    ])
    // One row per address and torrent.
    expect(() =>
      db
        .prepare(
          `INSERT INTO peer_observations (address, info_hash, torrent_length, piece_length, first_seen, last_seen)
           VALUES ('127.0.0.9', 'ab', 10, 5, 1, 2)`,
        )
        .run(),
    ).toThrow(/UNIQUE/)
  })

  it('004 peers last seen: lists peers most recently seen first from the index, without a sort', () => {
    db = new DatabaseSync(':memory:')
    migrate(db, 3)
    const plan = () =>
      (
        db.prepare('EXPLAIN QUERY PLAN SELECT * FROM peers ORDER BY last_seen DESC LIMIT 1').all() as {
          detail: string
        }[]
      )
        .map((row) => row.detail)
        .join('; ')
    expect(plan()).toMatch(/TEMP B-TREE/)
    expect(migrate(db, 4)).toEqual([4])
    expect(plan()).toMatch(/USING INDEX peers_last_seen/)
    expect(plan()).not.toMatch(/TEMP B-TREE/)
  })

  it('005 stats samples: adds the samples table and keeps peers, bans and the audit log as they were', () => {
    db = new DatabaseSync(':memory:')
    migrate(db, 4)
    db.prepare(
      `INSERT INTO peers (address, peer_ids, clients, first_seen, last_seen, bytes_down, pieces_good, score, score_at)
       VALUES ('127.0.0.2', '["2d5757"]', '["WebTorrent"]', 10, 20, 4096, 3, 3.0, 20)`,
    ).run()
    db.prepare(
      "INSERT INTO audit (seq, at, type, subject, details, prev_hash, hash) VALUES (1, 1, 't', 's', '{}', 'p', 'h')",
    ).run()
    const before = { peers: contents(db, 'peers'), bans: contents(db, 'bans'), audit: contents(db, 'audit') }
    expect(migrate(db, 5)).toEqual([5])
    expect(schemaVersion(db)).toBe(5)
    expect({
      peers: contents(db, 'peers'),
      bans: contents(db, 'bans'),
      audit: contents(db, 'audit'),
    }).toEqual(before)
    db.prepare(
      'INSERT INTO stats_samples (at, download_speed, upload_speed, hash_failures) VALUES (1, 2.5, 0, 1)',
    ).run()
    expect(contents(db, 'stats_samples')).toEqual([
      { at: 1, download_speed: 2.5, upload_speed: 0, hash_failures: 1 },
    ])
    expect(() => db.prepare("INSERT INTO stats_samples VALUES (2, 'fast', 0, 0)").run()).toThrow()
  })

  it('006 ban intervals: places every existing ban on the address line, so a store from 005 finds them by index', async () => {
    const file = path.join(await tempDir(), 'vouch.db')
    db = new DatabaseSync(file)
    migrate(db, 5)
    db.prepare(
      `INSERT INTO bans (address, range_end, reason, source, note, created_at, expires_at, lifted_at)
       VALUES ('127.0.0.9', NULL, 'poisoned-block', 'automatic', '', 1, NULL, NULL),
              ('1.2.3.0', '1.2.3.255', 'imported', 'imported', 'list', 2, NULL, NULL),
              ('2001:db8:1:2::/64', NULL, 'poisoned-block', 'automatic', '', 3, NULL, NULL),
              ('not-an-address', NULL, 'manual', 'manual', '', 4, NULL, NULL),
              ('127.0.0.10', NULL, 'manual', 'manual', '', 5, NULL, 6)`,
    ).run()
    const before = contents(db, 'bans') as Record<string, unknown>[]
    expect(migrate(db, 6)).toEqual([6])
    expect(schemaVersion(db)).toBe(6)
    const hex = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)
    const after = (contents(db, 'bans') as Record<string, unknown>[]).map((row) => ({
      ...row,
      range_first: hex(row.range_first),
      range_last: hex(row.range_last),
    }))
    const v4 = (text: string) => `00000000000000000000ffff${text}`
    expect(after).toEqual([
      { ...before[0], range_first: v4('7f000009'), range_last: v4('7f000009'), span_class: 0 },
      { ...before[1], range_first: v4('01020300'), range_last: v4('010203ff'), span_class: 8 },
      {
        ...before[2],
        range_first: '20010db8000100020000000000000000',
        range_last: '20010db800010002ffffffffffffffff',
        span_class: 64,
      },
      { ...before[3], range_first: null, range_last: null, span_class: null },
      { ...before[4], range_first: v4('7f00000a'), range_last: v4('7f00000a'), span_class: 0 },
    ])
    db.close()
    const store = ReputationStore.open(file)
    expect(store.banFor('127.0.0.9')?.reason).toBe('poisoned-block')
    expect(store.banFor('1.2.3.77')?.note).toBe('list')
    expect(store.banFor('2001:db8:1:2::99')).toBeDefined()
    expect(store.banFor('not-an-address')?.reason).toBe('manual')
    expect(store.banFor('127.0.0.10')).toBeUndefined()
    expect(store.banFor('1.2.4.0')).toBeUndefined()
    store.close()
    db = new DatabaseSync(':memory:') // what afterEach closes
  })

  it('is idempotent: migrating a migrated database applies nothing', () => {
    db = new DatabaseSync(':memory:')
    migrate(db)
    expect(migrate(db)).toEqual([])
  })

  it('refuses a store written by a newer Vouch instead of guessing', async () => {
    const file = path.join(await tempDir(), 'vouch.db')
    db = new DatabaseSync(file)
    db.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`)
    expect(() => ReputationStore.open(file)).toThrow(/newer than this Vouch understands/)
  })

  it('refuses a database holding another program’s tables as bad input (exit 2), naming them', async () => {
    const file = path.join(await tempDir(), 'vouch.db')
    db = new DatabaseSync(':memory:') // what afterEach closes
    const foreign = new DatabaseSync(file)
    foreign.exec('CREATE TABLE peers (x); CREATE TABLE moz_places (y)')
    foreign.close()
    let thrown: unknown
    try {
      ReputationStore.open(file)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'bad-input' })
    expect(String(thrown)).toMatch(
      /not a Vouch store: it holds tables Vouch did not create \(peers, moz_places\)/,
    )
  })
})
