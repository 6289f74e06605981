import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../../src/engine/torrent-throttle.ts'

describe('the per-torrent token bucket', () => {
  it('lets nothing through without waiting once its burst is spent, at the rate it was given', () => {
    const bucket = new TokenBucket()
    bucket.setRate(1000, 0)
    // Starts empty: 500 bytes at 1000 B/s wait half a second.
    expect(bucket.reserve(500, 0)).toBe(500)
    // The next 500 queue behind the first: a whole second from now.
    expect(bucket.reserve(500, 0)).toBe(1000)
    // Two seconds later the debt is paid and at most a quarter second (250 B) was saved up.
    expect(bucket.reserve(250, 3000)).toBe(0)
    expect(bucket.reserve(100, 3000)).toBe(100)
  })

  it('never waits without a limit, and forgives the old debt when the limit changes', () => {
    const bucket = new TokenBucket()
    expect(bucket.reserve(10_000_000, 0)).toBe(0)
    bucket.setRate(100, 0)
    expect(bucket.reserve(1000, 0)).toBe(10_000)
    bucket.setRate(1000, 1)
    expect(bucket.reserve(1000, 1)).toBe(1000)
    bucket.setRate(null, 2)
    expect(bucket.rate).toBeNull()
    expect(bucket.reserve(1000, 2)).toBe(0)
  })
})
