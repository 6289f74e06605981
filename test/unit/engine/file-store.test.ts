import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { filePool, MAX_OPEN_FILES } from '../../../src/engine/file-pool.ts'
import { FileChunkStore } from '../../../src/engine/file-store.ts'
import { SMALL_FILE } from '../../../src/engine/small-files.ts'
import { tempDir, withTimeout } from '../../kit/swarm.ts'

const CHUNK = 4096

function call<T>(run: (cb: (error: Error | null, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))))
}

describe('the bounded file chunk store', () => {
  afterEach(() => {
    filePool.limit = MAX_OPEN_FILES
  })

  it.each([
    // Small files are read and written directly, never through a pooled descriptor.
    { kind: 'small', count: 500, chunk: CHUNK, lengthOf: (index: number) => (index * 53) % 200 },
    // Large ones go through the pool: a chunk of 64 KiB spans up to three of them.
    {
      kind: 'large',
      count: 60,
      chunk: 65_536,
      lengthOf: (index: number) => SMALL_FILE + 1 + ((index * 7919) % 40_000),
    },
  ])(
    'writes and reads chunks spanning $count $kind files, all at once, with at most 8 files open',
    async ({ count, chunk: CHUNK, lengthOf }) => {
      filePool.limit = 8
      const dir = await tempDir('vouch-store-')
      const lengths = Array.from({ length: count }, (_, index) => lengthOf(index))
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
      const victim = count - 3
      const offset = lengths.slice(0, victim).reduce((sum, length) => sum + length, 0)
      expect(
        (await readFile(path.join(dir, 't', `d${victim % 7}`, `f${victim}.bin`))).equals(
          data.subarray(offset, offset + (lengths[victim] ?? 0)),
        ),
      ).toBe(true)
      await call((cb) => store.close(cb))
      await expect(call((cb) => store.get(0, null, cb))).rejects.toThrow(/closed/)
    },
  )

  it('fails a read past what a file holds, and reads what was written since and what was there before', async () => {
    const dir = await tempDir('vouch-store-')
    const files = [{ path: 'a.bin', length: 3 * CHUNK }]
    const earlier = randomBytes(CHUNK)
    await writeFile(path.join(dir, 'a.bin'), earlier)
    const store = new FileChunkStore(CHUNK, { files, path: dir, length: 3 * CHUNK })
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(0, null, cb))) ?? []).equals(earlier)).toBe(
      true,
    )
    // The file ends at chunk 1: reading chunk 2 fails.
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

  it('fails reads of files that are not on disk, and creates none of them (the start-up check of a new torrent)', async () => {
    const dir = await tempDir('vouch-store-')
    // Tiny files, many to a chunk, and files larger than a chunk, in nested directories.
    const lengths = [
      ...Array.from({ length: 40 }, (_, index) => 1 + index * 31),
      3 * CHUNK + 5,
      SMALL_FILE + 9,
    ]
    const files = lengths.map((length, index) => ({
      path: `t/d${index % 3}/e${index % 2}/f${index}.bin`,
      length,
    }))
    const total = lengths.reduce((sum, length) => sum + length, 0)
    const store = new FileChunkStore(CHUNK, { files, path: dir, length: total })
    for (let index = 0; index < Math.ceil(total / CHUNK); index++)
      await expect(
        call((cb) => store.get(index, null, cb)),
        `chunk ${index}`,
      ).rejects.toThrow()
    expect(await readdir(dir)).toEqual([])
    expect(filePool.openCount).toBe(0)
    await call((cb) => store.close(cb))
  })

  it('opens a missing large file once for the whole start-up check, until a write makes it', async () => {
    const dir = await tempDir('vouch-store-')
    const length = 4 * SMALL_FILE
    const files = [{ path: 'big.bin', length }]
    const store = new FileChunkStore(SMALL_FILE, { files, path: dir, length })
    await expect(call((cb) => store.get(0, null, cb))).rejects.toThrow(/ENOENT/)
    // Put there behind the store's back: this store's later reads do not look again (each would
    // be a failed open on the thread pool), and a store made for the torrent added again does.
    const data = randomBytes(length)
    await writeFile(path.join(dir, 'big.bin'), data)
    await expect(call((cb) => store.get(1, null, cb))).rejects.toThrow(/satisfy/)
    const again = new FileChunkStore(SMALL_FILE, { files, path: dir, length })
    const piece = data.subarray(SMALL_FILE, 2 * SMALL_FILE)
    expect(Buffer.from((await call<Uint8Array>((cb) => again.get(1, null, cb))) ?? []).equals(piece)).toBe(
      true,
    )
    // A write to the file makes this store read it again.
    await call((cb) => store.put(2, data.subarray(2 * SMALL_FILE, 3 * SMALL_FILE), cb))
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(1, null, cb))) ?? []).equals(piece)).toBe(
      true,
    )
    await call((cb) => store.close(cb))
    await call((cb) => again.close(cb))
  })

  it('creates a file for a write that arrives while a read of the missing file is opening it', async () => {
    const dir = await tempDir('vouch-store-')
    const length = 2 * SMALL_FILE
    const store = new FileChunkStore(SMALL_FILE, { files: [{ path: 'big.bin', length }], path: dir, length })
    const data = randomBytes(SMALL_FILE)
    const read = call((cb) => store.get(0, null, cb))
    const write = call((cb) => store.put(0, data, cb))
    await expect(read).rejects.toThrow(/ENOENT/)
    await write
    expect(Buffer.from((await call<Uint8Array>((cb) => store.get(0, null, cb))) ?? []).equals(data)).toBe(
      true,
    )
    await call((cb) => store.close(cb))
  })

  it('writes none of a queued burst of small files once the store is destroyed (remove with data)', async () => {
    const dir = await tempDir('vouch-store-')
    // One chunk over 300 tiny files: more than one turn's run of synchronous writes.
    const files = Array.from({ length: 300 }, (_, index) => ({ path: `t/f${index}.bin`, length: 10 }))
    const store = new FileChunkStore(3000, { files, path: dir, length: 3000 })
    const write = call((cb) => store.put(0, randomBytes(3000), cb))
    // The first turn's run is written; the destroy comes while the rest waits.
    await new Promise((resolve) => setImmediate(resolve))
    const destroyed = call((cb) => store.destroy(cb))
    await expect(write).rejects.toThrow(/closed/)
    await destroyed
    expect(await readdir(path.join(dir, 't'))).toEqual([])
  })

  it('writes none of the large files whose writes wait for a descriptor once the store is destroyed', async () => {
    // One descriptor for the whole pool: the first file's write holds it, the others queue.
    filePool.limit = 1
    const dir = await tempDir('vouch-store-')
    const length = 2 * SMALL_FILE
    const files = Array.from({ length: 4 }, (_, index) => ({ path: `t/big${index}.bin`, length }))
    const store = new FileChunkStore(length, { files, path: dir, length: 4 * length })
    const writes = files.map((_, index) =>
      call((cb) => store.put(index, randomBytes(length), cb)).then(
        () => 'written',
        (error: Error) => error.message,
      ),
    )
    await call((cb) => store.destroy(cb))
    const outcomes = await Promise.all(writes)
    expect(outcomes.filter((outcome) => /closed/.test(outcome))).toHaveLength(3)
    // Nothing comes back after the removal, however the writes under way ended.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await readdir(path.join(dir, 't'))).toEqual([])
    expect(filePool.openCount).toBe(0)
  })

  it('writes again into a directory removed since this process made it, small and large files', async () => {
    const dir = await tempDir('vouch-store-')
    const length = 2 * SMALL_FILE
    const files = [
      { path: 't/sub/big.bin', length },
      { path: 't/sub/small.bin', length: 10 },
    ]
    const open = () => new FileChunkStore(length, { files, path: dir, length: length + 10 })
    const first = open()
    await call((cb) => first.put(0, randomBytes(length), cb))
    await call((cb) => first.put(1, randomBytes(10), cb))
    await call((cb) => first.close(cb))
    await rm(path.join(dir, 't'), { recursive: true })
    const store = open()
    const big = randomBytes(length)
    const small = randomBytes(10)
    await withTimeout(
      call((cb) => store.put(0, big, cb)),
      5000,
      'the large file’s write',
    )
    await call((cb) => store.put(1, small, cb))
    expect((await readFile(path.join(dir, 't', 'sub', 'big.bin'))).equals(big)).toBe(true)
    expect((await readFile(path.join(dir, 't', 'sub', 'small.bin'))).equals(small)).toBe(true)
    await call((cb) => store.close(cb))
  })

  it('fails, and does not retry for ever, a write whose file cannot be created', async () => {
    const dir = await tempDir('vouch-store-')
    const length = 2 * SMALL_FILE
    await mkdir(path.join(dir, 't'))
    // Creating through a link into a directory that does not exist is ENOENT however often it is tried.
    await symlink(path.join(dir, 'missing', 'big.bin'), path.join(dir, 't', 'big.bin'))
    const store = new FileChunkStore(length, { files: [{ path: 't/big.bin', length }], path: dir, length })
    const joined = call((cb) => store.get(0, null, cb))
    const write = call((cb) => store.put(0, randomBytes(length), cb))
    await expect(joined).rejects.toThrow(/ENOENT/)
    await expect(withTimeout(write, 5000, 'the write')).rejects.toThrow(/ENOENT/)
    await call((cb) => store.close(cb))
  })
})
