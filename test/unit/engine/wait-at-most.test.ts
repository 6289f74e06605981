import { describe, expect, it, vi } from 'vitest'
import { waitAtMost } from '../../../src/engine/wait-at-most.ts'

describe('a bounded wait', () => {
  it('says settled when the promise resolves or rejects in time, and clears its timer', async () => {
    const clear = vi.spyOn(globalThis, 'clearTimeout')
    expect(await waitAtMost(Promise.resolve('value'), 10_000)).toBe('settled')
    expect(await waitAtMost(Promise.reject(new Error('failed')), 10_000)).toBe('settled')
    expect(clear).toHaveBeenCalledTimes(2)
    clear.mockRestore()
  })

  it('says timed-out when the promise has not settled by then, without waiting for it', async () => {
    const started = performance.now()
    expect(await waitAtMost(new Promise(() => {}), 30)).toBe('timed-out')
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
