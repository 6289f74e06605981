/**
 * The trust store reads trust.json again only when the file on disk is another version of it:
 * resuming 2,000 torrents decides 2,000 times, and each decision must still see a revocation made
 * a moment before, by this process or another one.
 */
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrustStore } from '../../../src/provenance/trust-store.ts'
import { KEY_A, KEY_B } from '../../fixtures/provenance/build.ts'

let home: string
let store: TrustStore
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vouch-trust-cache-'))
  store = TrustStore.forHome(home)
})
afterEach(async () => rm(home, { recursive: true, force: true }))

const revokedAt = async (view: Promise<{ publishers: readonly { revokedAt: number | null }[] }>) =>
  (await view).publishers.map((publisher) => publisher.revokedAt)

describe('the trust view, read again only when trust.json changed', () => {
  it('answers from the version already read while the file is unchanged, and from none without a file', async () => {
    expect(await store.view(), 'no file: one empty view').toBe(await store.view())
    await store.pin(KEY_A, { name: 'Alice' })
    const first = await store.view()
    expect(first.publishers.map((publisher) => publisher.name)).toEqual(['Alice'])
    expect(await store.view()).toBe(first)
    expect(store.viewSync()).toBe(first)
  })

  it('sees a revocation written by another process between two decisions', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    expect(await revokedAt(store.view())).toEqual([null])
    // Another TrustStore on the same file is what `vouch trust revoke` in another process is.
    await TrustStore.forHome(home).revoke(KEY_A.fingerprint)
    expect((await revokedAt(store.view()))[0]).toEqual(expect.any(Number))
    expect(store.viewSync().publishers[0]?.revokedAt).toEqual(expect.any(Number))
  })

  it('sees a change made in place that keeps the size and the modification time', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    await store.pin(KEY_B, { name: 'Bobby' })
    // A whole second, so that putting it back below restores it to the nanosecond.
    const mtime = new Date('2026-01-01T00:00:00Z')
    await utimes(store.file, mtime, mtime)
    const before = await stat(store.file, { bigint: true })
    expect((await store.view()).publishers.map((publisher) => publisher.name)).toEqual(['Alice', 'Bobby'])
    // Same length, same inode, the old mtime put back: only the change time tells.
    const text = (await readFile(store.file, 'utf8')).replace('"Bobby"', '"Carol"')
    await writeFile(store.file, text)
    await utimes(store.file, mtime, mtime)
    const after = await stat(store.file, { bigint: true })
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs])
    expect((await store.view()).publishers.map((publisher) => publisher.name)).toEqual(['Alice', 'Carol'])
  })

  it('sees the file appear, and disappear', async () => {
    expect((await store.view()).publishers).toEqual([])
    await TrustStore.forHome(home).pin(KEY_A, { name: 'Alice' })
    expect((await store.view()).publishers).toHaveLength(1)
    await rm(store.file)
    expect((await store.view()).publishers).toEqual([])
  })

  it('still reports a corrupt file on every read instead of keeping the last good view', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    await store.view()
    await writeFile(store.file, '{ not json')
    await expect(store.view()).rejects.toThrow(/corrupt: not JSON/)
    expect(() => store.viewSync()).toThrow(/corrupt: not JSON/)
  })
})

describe('recording sequences', () => {
  it('writes nothing when no record raises the stored sequence, and raises the ones that do', async () => {
    const record = (sequence: number, name = 'debian.iso') => ({
      fingerprint: KEY_A.fingerprint,
      name,
      sequence,
      infoHash: 'ab'.repeat(20),
    })
    await store.recordSequences([record(5)])
    const written = await stat(store.file, { bigint: true })
    // What a resume does for every release it accepts again: the same (or a lower) number.
    await store.recordSequences([record(5)])
    await store.recordSequences([record(3)])
    const after = await stat(store.file, { bigint: true })
    expect([after.ino, after.ctimeNs], 'trust.json rewritten').toEqual([written.ino, written.ctimeNs])
    await store.recordSequences([record(5), record(1, 'other.iso')])
    const sequences = (await store.view()).sequences
    expect([...sequences.values()].map((entry) => entry.sequence).sort()).toEqual([1, 5])
    await store.recordSequences([record(6)])
    expect([...(await store.view()).sequences.values()].map((entry) => entry.sequence).sort()).toEqual([1, 6])
  })
})
