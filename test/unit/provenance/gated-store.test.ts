import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GatedChunkStore, StoreClosedError, StoreGate } from '../../../src/provenance/gated-store.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vouch-gated-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

const call = <T>(run: (cb: (error: Error | null, value?: T) => void) => void) =>
  new Promise<{ error: Error | null; value: T | undefined }>((resolve) =>
    run((error, value) => resolve({ error, value })),
  )

function storeIn(gate: StoreGate) {
  return new GatedChunkStore(4, {
    gate,
    path: dir,
    files: [{ path: 'sub/file.bin', length: 8, offset: 0 }],
    length: 8,
  })
}

describe('the gated chunk store', () => {
  it('refuses every put and get before approval and creates nothing on disk', async () => {
    const store = storeIn(new StoreGate())
    const put = await call((cb) => store.put(0, new Uint8Array([1, 2, 3, 4]), cb))
    expect(put.error).toBeInstanceOf(StoreClosedError)
    const get = await call<Uint8Array>((cb) => store.get(0, null, cb))
    expect(get.error).toBeInstanceOf(StoreClosedError)
    expect(await readdir(dir)).toEqual([])
  })

  it('opens the real file store on approval, for stores made before and after it', async () => {
    const gate = new StoreGate()
    const early = storeIn(gate)
    gate.approve()
    expect((await call((cb) => early.put(1, new Uint8Array([5, 6, 7, 8]), cb))).error).toBeNull()
    const late = storeIn(gate)
    expect((await call((cb) => late.put(0, new Uint8Array([1, 2, 3, 4]), cb))).error).toBeNull()
    expect([...(await readFile(path.join(dir, 'sub', 'file.bin')))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const got = await call<Uint8Array>((cb) => late.get(1, cb as never))
    expect([...(got.value ?? [])]).toEqual([5, 6, 7, 8])
    await call((cb) => early.close(cb))
    await call((cb) => late.close(cb))
  })

  it('a closed, never-approved store stays shut even if approved later', async () => {
    const gate = new StoreGate()
    const store = storeIn(gate)
    await call((cb) => store.destroy(cb))
    gate.approve()
    expect((await call((cb) => store.put(0, new Uint8Array(4), cb))).error).toBeInstanceOf(StoreClosedError)
    expect(await readdir(dir)).toEqual([])
  })
})
