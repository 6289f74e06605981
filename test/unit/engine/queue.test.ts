import { describe, expect, it } from 'vitest'
import { queuedTorrents, seedLimitReached } from '../../../src/engine/queue.ts'

const entry = (infoHash: string, addedAt: number, done = false, stopped = false) => ({
  infoHash,
  addedAt,
  done,
  stopped,
})

describe('the download and seed queue', () => {
  it('queues the most recently added past each limit, downloads and seeds counted apart', () => {
    const entries = [
      entry('d3', 3),
      entry('d1', 1),
      entry('d2', 2),
      entry('s1', 1, true),
      entry('s2', 2, true),
    ]
    expect(queuedTorrents(entries, { maxActiveDownloads: 2, maxActiveSeeds: 1 })).toEqual(
      new Set(['d3', 's2']),
    )
    expect(queuedTorrents(entries, { maxActiveDownloads: null, maxActiveSeeds: null })).toEqual(new Set())
  })

  it('gives a paused torrent’s slot to the next one', () => {
    const entries = [entry('d1', 1, false, true), entry('d2', 2), entry('d3', 3)]
    expect(queuedTorrents(entries, { maxActiveDownloads: 1, maxActiveSeeds: null })).toEqual(new Set(['d3']))
  })
})

describe('seed limits', () => {
  const limits = { seedRatioLimit: 2, seedTimeLimitMinutes: 10 }
  it('is reached by ratio or by time seeded, whichever comes first', () => {
    expect(seedLimitReached({ ratio: 2, seedingSinceMs: 0 }, limits, 1)).toBe('ratio')
    expect(seedLimitReached({ ratio: 1, seedingSinceMs: 0 }, limits, 600_000)).toBe('time')
    expect(seedLimitReached({ ratio: 1.99, seedingSinceMs: 0 }, limits, 599_999)).toBeNull()
    expect(
      seedLimitReached(
        { ratio: 99, seedingSinceMs: 0 },
        { seedRatioLimit: null, seedTimeLimitMinutes: null },
        1e12,
      ),
    ).toBeNull()
  })
})
