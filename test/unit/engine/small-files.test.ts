import { execFile, execFileSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { inBatches, SYNC_BATCH, SYNC_TURN_MS } from '../../../src/engine/small-files.ts'
import { tempDir } from '../../kit/swarm.ts'

const run = promisify(execFile)

/** Counts the items run in each turn of the event loop, until stopped. */
function countTurns(): { count(): void; stop(): Map<number, number> } {
  let turn = 0
  let ticking = true
  const tick = () => {
    turn++
    if (ticking) setImmediate(tick)
  }
  setImmediate(tick)
  const perTurn = new Map<number, number>()
  return {
    count: () => void perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1),
    stop: () => {
      ticking = false
      return perTurn
    },
  }
}

describe('synchronous small-file runs', () => {
  it('run at most SYNC_BATCH items per turn of the event loop, across every caller at once', async () => {
    const turns = countTurns()
    const callers = Array.from({ length: 5 }, (_, caller) => {
      const items = Array.from({ length: 100 + caller * 7 }, (_, index) => index)
      return new Promise<number[]>((resolve, reject) => {
        const seen: number[] = []
        inBatches(
          items,
          (item) => {
            turns.count()
            seen.push(item)
          },
          (error) => (error ? reject(error) : resolve(seen)),
        )
      })
    })
    const seen = await Promise.all(callers)
    const perTurn = turns.stop()
    seen.forEach((items, caller) =>
      expect(items).toEqual(Array.from({ length: 100 + caller * 7 }, (_, i) => i)),
    )
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(SYNC_BATCH)
    expect([...perTurn.values()].reduce((sum, count) => sum + count, 0)).toBe(570)
  })

  it('end a turn after SYNC_TURN_MS when each item is slow (file creation on a busy disk)', async () => {
    const itemMs = SYNC_TURN_MS / 2.5
    const turns = countTurns()
    await new Promise<void>((resolve, reject) =>
      inBatches(
        Array.from({ length: 20 }, (_, index) => index),
        () => {
          turns.count()
          // Stands for a synchronous create that takes itemMs: the event loop waits all of it.
          for (const until = performance.now() + itemMs; performance.now() < until;);
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    )
    const perTurn = turns.stop()
    // Each item takes at least itemMs, so the item that passes SYNC_TURN_MS is at most the third.
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3)
    expect([...perTurn.values()].reduce((sum, count) => sum + count, 0)).toBe(20)
  })

  it('stops a run at its first error and goes on with the others', async () => {
    const ran: number[] = []
    const failing = new Promise<Error | null>((resolve) =>
      inBatches(
        [1, 2, 3],
        (item) => {
          if (item === 2) throw new Error('two')
          ran.push(item)
        },
        resolve,
      ),
    )
    const other = new Promise<Error | null>((resolve) => inBatches([4, 5], (item) => ran.push(item), resolve))
    expect((await failing)?.message).toBe('two')
    expect(await other).toBeNull()
    expect(ran).toEqual([1, 4, 5])
  })
})

describe('a FIFO where a small file should be', () => {
  it('fails its read and write at once instead of stopping the process until a writer comes', async () => {
    const directory = await tempDir('vouch-small-fifo-')
    execFileSync('mkfifo', [path.join(directory, 'f.bin')])
    // In a child: a blocked open would stop this process too, and no timeout could end it.
    const script = `
      import { FileChunkStore } from ${JSON.stringify(pathToFileURL(path.resolve('src/engine/file-store.ts')).href)}
      const store = new FileChunkStore(10, { files: [{ path: 'f.bin', length: 10 }], path: ${JSON.stringify(directory)} })
      const read = await new Promise((resolve) => store.get(0, (error) => resolve(error?.code ?? error?.message ?? 'read')))
      const wrote = await new Promise((resolve) => store.put(0, Buffer.alloc(10), (error) => resolve(error?.code ?? 'wrote')))
      console.log(JSON.stringify({ read, wrote }))`
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 })
    expect(JSON.parse(stdout)).toEqual({ read: 'ESPIPE', wrote: 'ENXIO' })
  })
})
