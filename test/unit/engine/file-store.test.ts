import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileChunkStore, filePool, MAX_OPEN_FILES } from '../../../src/engine/file-store.ts'
import { tempDir } from '../../kit/swarm.ts'

const CHUNK = 4096

function call<T>(run: (cb: (error: Error | null, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))))
}

describe('the bounded file chunk store', () => {
  afterEach(() => {
    filePool.limit = MAX_OPEN_FILES
  })

  it('writes and reads chunks spanning 500 files, all at once, with at most 8 files open', async () => {
    filePool.limit = 8
    const dir = await tempDir('vouch-store-')
    const lengths = Array.from({ length: 500 }, (_, index) => (index * 53) % 200)
    const files = lengths.map((length, index) => ({ path: `t/d${index % 7}/f${index}.bin`, length }))
    const total = lengths.reduce((sum, length) => sum + length, 0)
    const data = randomBytes(total)
    const store = new FileChunkStore(CHUNK, { files, path: dir, length: total })
    const chunks = Math.ceil(total / CHUNK)
    let peak = 0
    const watch = setInterval(() => (peak = Math.max(peak, filePool.openCount)), 0)
    await Promise.all(
      Array.from({ length: chunks }, (_, index) =>
        call((cb) => store.put(index, data.subarray(index * CHUNK, (index + 1) * CHUNK), cb)),
      ),
    )
    const back = await Promise.all(
      Array.from({ length: chunks }, (_, index) => call<Uint8Array>((cb) => store.get(index, null, cb))),
    )
    const part = await call<Uint8Array>((cb) => store.get(1, { offset: 100, length: 50 }, cb))
    clearInterval(watch)
    expect(Buffer.concat(back.map((chunk) => chunk ?? new Uint8Array(0))).equals(data)).toBe(true)
    expect(Buffer.from(part ?? []).equals(data.subarray(CHUNK + 100, CHUNK + 150))).toBe(true)
    expect(peak).toBeLessThanOrEqual(8)
    expect(filePool.openCount).toBeLessThanOrEqual(8)
    const offset = lengths.slice(0, 321).reduce((sum, length) => sum + length, 0)
    expect(
      (await readFile(path.join(dir, 't', 'd6', 'f321.bin'))).equals(
        data.subarray(offset, offset + (lengths[321] ?? 0)),
      ),
    ).toBe(true)
    await call((cb) => store.close(cb))
    await expect(call((cb) => store.get(0, null, cb))).rejects.toThrow(/closed/)
  })

  it('fails a read past what a file holds, and reads what was written since and what was there before', async () => {
    const dir = await tempDir('vouch-store-')
    const files = [{ path: 'a.bin', length: 3 * CHUNK }]
    const earlier = randomBytes(CHUNK)
    await writeFile(path.join(dir, 'a.bin'), earlier)
    const store = new FileChunkStore(CHUNK, { files, path: dir, length: 3 * CHUNK })
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(0, null, cb))) ?? []).equals(earlier)).toBe(
      true,
    )
    // Known to end at chunk 1 now that it is open: fails without reading.
    await expect(call((cb) => store.get(2, null, cb))).rejects.toThrow(/satisfy length/)
    const later = randomBytes(CHUNK)
    await call((cb) => store.put(2, later, cb))
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(2, null, cb))) ?? []).equals(later)).toBe(
      true,
    )
    // Chunk 1 lies within the file now (a hole of zeros), as on any filesystem.
    expect(
      Buffer.from((await call<Uint8Array>((cb) => store.get(1, null, cb))) ?? []).equals(Buffer.alloc(CHUNK)),
    ).toBe(true)
    await call((cb) => store.close(cb))
  })
})
