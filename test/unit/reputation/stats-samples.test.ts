import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { migrate } from '../../../src/reputation/migrations/index.ts'
import { KEEP_SAMPLES_MS, SampleTable } from '../../../src/reputation/stats-samples.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('stored speed samples', () => {
  it('reads 24 hours: per-minute averages before the recent span, every sample within it', () => {
    const db = new DatabaseSync(':memory:')
    migrate(db)
    const table = new SampleTable(db)
    const now = 100 * HOUR
    // One sample a second for the last 2 minutes, plus two in a minute 3 hours ago and one 30 h ago.
    table.record({ at: now - 30 * HOUR, downloadSpeed: 9, uploadSpeed: 9, hashFailures: 9 })
    table.record({ at: now - 3 * HOUR, downloadSpeed: 100, uploadSpeed: 10, hashFailures: 1 })
    table.record({ at: now - 3 * HOUR + 1000, downloadSpeed: 300, uploadSpeed: 30, hashFailures: 2 })
    for (let at = now - 2 * MINUTE; at < now; at += 1000)
      table.record({ at, downloadSpeed: 1, uploadSpeed: 2, hashFailures: 0 })

    const samples = table.read(now - 24 * HOUR, now - 5 * MINUTE)
    expect(samples[0]).toEqual({ at: now - 3 * HOUR, downloadSpeed: 200, uploadSpeed: 20, hashFailures: 3 })
    expect(samples).toHaveLength(1 + 120)
    expect(samples.at(-1)).toEqual({ at: now - 1000, downloadSpeed: 1, uploadSpeed: 2, hashFailures: 0 })
    db.close()
  })

  it('prunes samples older than a week as new ones arrive', () => {
    const db = new DatabaseSync(':memory:')
    migrate(db)
    const table = new SampleTable(db)
    const now = 1000 * HOUR
    table.record({ at: now - KEEP_SAMPLES_MS - MINUTE, downloadSpeed: 1, uploadSpeed: 1, hashFailures: 0 })
    table.record({ at: now, downloadSpeed: 1, uploadSpeed: 1, hashFailures: 0 })
    expect(table.read(0, 0).map((sample) => sample.at)).toEqual([now])
    db.close()
  })
})
