import { describe, expect, it } from 'vitest'
import { AddQueue } from '../../../src/engine/add-queue.ts'
import { isVouchError } from '../../../src/errors.ts'

/** A promise with its resolve and reject, for adds that end when the test says. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('AddQueue', () => {
  it('runs adds of one infohash one after another, whatever the earlier ones ended with', async () => {
    const queue = new AddQueue(5_000)
    const log: string[] = []
    const first = deferred<string>()
    const one = queue.run(A, () => {
      log.push('1 starts')
      return first.promise
    })
    const two = queue.run(A, async () => {
      log.push('2 starts')
      return 'two'
    })
    const other = queue.run(B, async () => {
      log.push('B starts')
      return 'b'
    })
    await expect(other).resolves.toBe('b')
    expect(log).toEqual(['1 starts', 'B starts'])
    first.reject(new Error('refused'))
    await expect(one).rejects.toThrow('refused')
    await expect(two).resolves.toBe('two')
    expect(log).toEqual(['1 starts', 'B starts', '2 starts'])
  })

  it('bounds the wait: an add behind one that never ends fails without running, and so does the next', async () => {
    const queue = new AddQueue(100)
    const stuck = deferred()
    void queue.run(A, () => stuck.promise)
    let ran = 0
    const second = queue.run(A, async () => void ran++)
    const error = await second.catch((failure: unknown) => failure)
    expect(isVouchError(error) && error.code).toBe('network')
    expect((error as Error).message).toMatch(new RegExp(`another add of torrent ${A} has not finished`))
    // The third waits for the stuck first one too, not only for the second that gave up.
    const third = queue.run(A, async () => void ran++)
    await expect(third).rejects.toThrow(/has not finished/)
    expect(ran).toBe(0)
    stuck.resolve()
    await queue.run(A, async () => void ran++)
    expect(ran).toBe(1)
  })
})
