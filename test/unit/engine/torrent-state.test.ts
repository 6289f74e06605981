import { describe, expect, it } from 'vitest'
import { ActivityTracker, IDLE_AFTER_MS } from '../../../src/engine/torrent-state.ts'

const HASH = 'ab'.repeat(20)

describe('idle detection for speeds', () => {
  it('calls a direction idle when its counter has not moved for IDLE_AFTER_MS', () => {
    const activity = new ActivityTracker()
    expect(activity.observe(HASH, 0, 0, 1_000)).toEqual({ downloading: false, uploading: false })
    expect(activity.observe(HASH, 16_384, 0, 2_000)).toEqual({ downloading: true, uploading: false })
    expect(activity.observe(HASH, 16_384, 10, 2_000 + IDLE_AFTER_MS)).toEqual({
      downloading: true,
      uploading: true,
    })
    expect(activity.observe(HASH, 16_384, 10, 2_001 + IDLE_AFTER_MS)).toEqual({
      downloading: false,
      uploading: true,
    })
    expect(activity.observe(HASH, 16_384, 10, 3_001 + 2 * IDLE_AFTER_MS)).toEqual({
      downloading: false,
      uploading: false,
    })
  })

  it('starts a torrent it has not seen as idle, and forgets one removed', () => {
    const activity = new ActivityTracker()
    activity.observe(HASH, 5, 5, 0)
    activity.observe(HASH, 6, 6, 10)
    activity.forget(HASH)
    expect(activity.observe(HASH, 6, 6, 20)).toEqual({ downloading: false, uploading: false })
  })
})
