import path from 'node:path'
import { DatabaseSync, StatementSync } from 'node:sqlite'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Ban } from '../../../src/defence/ban-store.ts'
import { BanIndex } from '../../../src/reputation/ban-index.ts'
import { LOOKUP_SQL, SPAN_CLASSES_SQL } from '../../../src/reputation/ban-table.ts'
import { formatIp, parseIp } from '../../../src/reputation/ip.ts'
import { migrate } from '../../../src/reputation/migrations/index.ts'
import { ReputationStore } from '../../../src/reputation/store.ts'
import { tempDir } from '../../kit/swarm.ts'

function ban(address: string, overrides: Partial<Ban> = {}): Ban {
  return {
    address,
    rangeEnd: null,
    reason: 'poisoned-block',
    source: 'automatic',
    evidence: null,
    note: '',
    createdAt: 1_000,
    expiresAt: null,
    ...overrides,
  }
}

function entry(first: string, last: string) {
  const a = parseIp(first)
  const b = parseIp(last)
  if (!a || !b) throw new Error('bad test address')
  return { first: a, last: b, label: 'list' }
}

/** The SQL of every statement run (and script executed) while `work` runs. */
function statementsRunDuring(work: () => void): string[] {
  const seen: string[] = []
  const spies = (['all', 'get', 'iterate', 'run'] as const).map((method) => {
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown
    return vi.spyOn(StatementSync.prototype, method).mockImplementation(function (
      this: StatementSync,
      ...args: unknown[]
    ) {
      seen.push(this.sourceSQL)
      return original.apply(this, args)
    } as never)
  })
  const originalExec = DatabaseSync.prototype.exec
  const exec = vi.spyOn(DatabaseSync.prototype, 'exec').mockImplementation(function (
    this: DatabaseSync,
    sql: string,
  ) {
    seen.push(sql)
    return originalExec.call(this, sql)
  })
  try {
    work()
  } finally {
    for (const spy of [...spies, exec]) spy.mockRestore()
  }
  return seen
}

const readsBans = (sql: string) => /\bFROM\s+bans\b/i.test(sql)

describe('ban lookups by index', () => {
  const stores: ReputationStore[] = []
  afterEach(() => {
    for (const store of stores.splice(0)) if (!store.closed) store.close()
  })

  async function storeWithBans(count: number): Promise<string> {
    const file = path.join(await tempDir('vouch-bans-'), 'vouch.db')
    const store = ReputationStore.open(file)
    for (let index = 0; index < count; index++) store.add(ban(`10.0.${index >> 8}.${index & 255}`))
    store.importBans([entry('192.168.0.0', '192.168.255.255')], { subject: 'list.p2p' })
    store.close()
    return file
  }

  it('opens a store of 2,000 bans without reading one of them, and reads them when asked', async () => {
    const file = await storeWithBans(2000)
    let store: ReputationStore | undefined
    const atOpen = statementsRunDuring(() => {
      store = ReputationStore.open(file)
    })
    if (!store) throw new Error('not opened')
    stores.push(store)
    expect(atOpen.filter(readsBans)).toEqual([])
    const opened = store
    // The spy does see reads of the bans table: a lookup makes some.
    const atLookup = statementsRunDuring(() => {
      expect(opened.banFor('10.0.7.207')).toMatchObject({ address: '10.0.7.207' })
      expect(opened.banFor('192.168.3.4')).toMatchObject({ rangeEnd: '192.168.255.255' })
      expect(opened.banFor('10.0.8.0')).toBeUndefined()
    })
    expect(atLookup.filter(readsBans).length).toBeGreaterThan(0)
  })

  it('asks the database once per address until a ban is added or lifted', async () => {
    const store = ReputationStore.open(await storeWithBans(10))
    stores.push(store)
    expect(store.banFor('10.0.0.3')).toBeDefined()
    const again = statementsRunDuring(() => {
      for (let round = 0; round < 100; round++) {
        store.banFor('10.0.0.3')
        store.banFor('10.9.9.9')
      }
    })
    expect(again.filter(readsBans).length).toBeLessThanOrEqual(2)
    store.lift('10.0.0.3')
    expect(store.banFor('10.0.0.3')).toBeUndefined()
    store.add(ban('10.9.9.9'))
    expect(store.banFor('10.9.9.9')).toBeDefined()
  })

  it('looks a ban up by an index range scan per span class, never a scan of the table', () => {
    const db = new DatabaseSync(':memory:')
    migrate(db)
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join('; ')
    expect(plan(LOOKUP_SQL)).toMatch(
      /SEARCH bans USING INDEX bans_span \(span_class=\? AND range_first>\? AND/,
    )
    expect(plan(SPAN_CLASSES_SQL)).toMatch(/SEARCH bans USING INDEX bans_span/)
    expect(plan(SPAN_CLASSES_SQL)).not.toMatch(/SCAN bans/)
    db.close()
  })

  /** A ban on one of a few small neighbourhoods, so lookups, overlaps and lifts meet. */
  const arbitraryBan = fc.oneof(
    fc.record({ kind: fc.constant('single' as const), at: fc.integer({ min: 0, max: 40 }) }),
    fc.record({
      kind: fc.constant('range' as const),
      at: fc.integer({ min: 0, max: 40 }),
      width: fc.integer({ min: 1, max: 300 }),
    }),
    fc.record({ kind: fc.constant('v6' as const), at: fc.integer({ min: 0, max: 3 }) }),
  )
  const arbitraryStep = fc.oneof(
    fc.record({
      op: fc.constant('ban' as const),
      ban: arbitraryBan,
      expires: fc.option(fc.integer({ min: 1, max: 50 })),
    }),
    fc.record({ op: fc.constant('lift' as const), at: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ op: fc.constant('flush' as const) }),
    fc.record({ op: fc.constant('reopen' as const) }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }),
  )
  const v4 = (value: number) => formatIp({ family: 4, value: BigInt(0x0a000000 + value) })
  const v6Key = (at: number) => `2001:db8:0:${at}::/64`
  const probes = [
    ...Array.from({ length: 360 }, (_, value) => v4(value)),
    ...Array.from({ length: 4 }, (_, at) => `2001:db8:0:${at}::17`),
  ]

  it('answers as the in-memory index of every ban would, queued or written, across lifts, expiry and restarts', async () => {
    const dir = await tempDir('vouch-bans-prop-')
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryStep, { minLength: 1, maxLength: 25 }), async (steps) => {
        let clock = 1_000
        const file = path.join(dir, `${run++}.db`)
        const options = { now: () => clock, flushIntervalMs: 60_000 }
        let store = ReputationStore.open(file, options)
        stores.push(store)
        const reference = new BanIndex()
        for (const step of steps) {
          if (step.op === 'ban') {
            const expiresAt = step.expires === null ? null : clock + step.expires
            const made =
              step.ban.kind === 'single'
                ? ban(v4(step.ban.at), { expiresAt })
                : step.ban.kind === 'v6'
                  ? ban(v6Key(step.ban.at), { expiresAt })
                  : ban(v4(step.ban.at), {
                      rangeEnd: v4(step.ban.at + step.ban.width),
                      expiresAt,
                      source: 'imported',
                    })
            store.add(made)
            reference.add(made)
          } else if (step.op === 'lift') {
            const lifted = reference
              .remove(v4(step.at))
              .filter((one) => one.expiresAt === null || one.expiresAt > clock)
            expect(store.lift(v4(step.at))).toBe(lifted.length)
          } else if (step.op === 'flush') store.flush()
          else if (step.op === 'reopen') {
            store.close()
            store = ReputationStore.open(file, options)
            stores.push(store)
          } else clock += step.ms
          for (const address of probes) {
            const expected = reference.find(address, clock)
            const actual = store.banFor(address)
            expect({ address, banned: actual !== undefined, expiresAt: actual?.expiresAt }).toEqual({
              address,
              banned: expected !== undefined,
              expiresAt: expected?.expiresAt,
            })
          }
          expect(store.activeBanCount()).toBe(
            reference.all().filter((one) => one.expiresAt === null || one.expiresAt > clock).length,
          )
        }
        store.close()
      }),
      { numRuns: 25 },
    )
  })
})
