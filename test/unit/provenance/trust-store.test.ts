import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isVouchError } from '../../../src/errors.ts'
import { formatPublicKey, generateKey } from '../../../src/provenance/keys.ts'
import { LOCK_STALE_MS } from '../../../src/provenance/file-lock.ts'
import { normaliseFingerprint } from '../../../src/provenance/trust-file.ts'
import { TrustStore } from '../../../src/provenance/trust-store.ts'
import { sequenceKey } from '../../../src/provenance/policy.ts'
import { readProvenanceTorrent } from '../../../src/provenance/torrent.ts'
import { KEY_A, KEY_B, KEY_C, buildTorrent } from '../../fixtures/provenance/build.ts'

let home: string
let store: TrustStore
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vouch-trust-'))
  store = TrustStore.forHome(home)
})
afterEach(async () => rm(home, { recursive: true, force: true }))

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise
  } catch (error) {
    if (isVouchError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('expected a rejection')
}

describe('the trust store (HOME/trust.json)', () => {
  it('starts empty without a file, and persists pins across instances', async () => {
    expect(await store.list()).toEqual([])
    await store.pin(KEY_A, { name: 'Alice', scope: 'debian-*', expires: new Date('2030-01-01T00:00:00Z') })
    const again = await TrustStore.forHome(home).list()
    expect(again).toEqual([
      expect.objectContaining({
        fingerprint: KEY_A.fingerprint,
        publicKey: formatPublicKey(KEY_A.publicKey),
        name: 'Alice',
        scope: 'debian-*',
        expires: '2030-01-01T00:00:00.000Z',
        revokedAt: null,
      }),
    ])
    expect((await stat(store.file)).mode & 0o777).toBe(0o600)
  })

  it('updates a pin in place and removes it by any spelling of the fingerprint', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    await store.pin(KEY_A, { name: 'Alice (work)' })
    expect((await store.list()).map((publisher) => publisher.name)).toEqual(['Alice (work)'])
    await store.remove(KEY_A.fingerprint.replace(/-/g, '').toUpperCase())
    expect(await store.list()).toEqual([])
    expect(await rejection(store.remove(KEY_A.fingerprint))).toMatchObject({ code: 'bad-input' })
  })

  it('keeps revoked keys listed and refuses to remove or re-pin them', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    await store.revoke(KEY_A.fingerprint)
    expect((await store.list())[0]?.revokedAt).toMatch(/^\d{4}-/)
    expect(await rejection(store.remove(KEY_A.fingerprint))).toMatchObject({ code: 'refused' })
    expect(await rejection(store.pin(KEY_A, { name: 'Alice again' }))).toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/revocation is permanent/),
    })
    const view = await store.view()
    expect(view.publishers[0]?.revokedAt).toBeTypeOf('number')
  })

  it('can revoke a key that was never pinned, given in full', async () => {
    await store.revoke(formatPublicKey(KEY_B.publicKey), 'leaked key')
    expect(await store.list()).toEqual([
      expect.objectContaining({ fingerprint: KEY_B.fingerprint, name: 'leaked key' }),
    ])
    expect(await rejection(store.revoke('0000-0000-0000-0000'))).toMatchObject({ code: 'bad-input' })
  })

  it('only ever raises the recorded sequence per publisher', async () => {
    await store.recordSequences([
      { fingerprint: KEY_A.fingerprint, name: 'a', sequence: 5, infoHash: 'a'.repeat(40) },
    ])
    await store.recordSequences([
      { fingerprint: KEY_A.fingerprint, name: 'a', sequence: 3, infoHash: 'b'.repeat(40) },
    ])
    expect((await store.view()).sequences.get(sequenceKey(KEY_A.fingerprint, 'a'))).toEqual({
      sequence: 5,
      infoHash: 'a'.repeat(40),
    })
    await store.recordSequences([
      { fingerprint: KEY_A.fingerprint, name: 'a', sequence: 9, infoHash: 'c'.repeat(40) },
    ])
    expect((await store.view()).sequences.get(sequenceKey(KEY_A.fingerprint, 'a'))?.sequence).toBe(9)
  })

  it('serialises concurrent changes in one process without losing any', async () => {
    await Promise.all([store.pin(KEY_A, { name: 'Alice' }), store.pin(KEY_B, { name: 'Bob' })])
    expect((await store.list()).map((publisher) => publisher.name).sort()).toEqual(['Alice', 'Bob'])
  })

  it('loses no change when two processes write at once (a revocation survives a daemon recording a sequence)', async () => {
    // Two instances stand for two processes (vouch serve and vouch trust): each serialises only
    // its own writes, so the file itself must be locked.
    const daemon = TrustStore.forHome(home)
    const cli = TrustStore.forHome(home)
    const keys = Array.from({ length: 12 }, (_, index) => generateKey(new Uint8Array(32).fill(index + 1)))
    await Promise.all(
      keys.map((key, index) => (index % 2 === 0 ? daemon : cli).pin(key, { name: `P${index}` })),
    )
    expect((await store.list()).length, 'pins made by two processes at once').toBe(keys.length)

    await Promise.all([
      cli.revoke(formatPublicKey(KEY_A.publicKey)),
      daemon.recordSequences([
        { fingerprint: KEY_B.fingerprint, name: 'b', sequence: 3, infoHash: 'ab'.repeat(20) },
      ]),
    ])
    const file = await store.load()
    expect(file.publishers.find((p) => p.fingerprint === KEY_A.fingerprint)?.revokedAt).not.toBeNull()
    expect(file.sequences[KEY_B.fingerprint]?.b?.sequence).toBe(3)
  })

  it('waits for a lock held by a live process, and takes over one left by a dead process', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    const lock = `${store.file}.lock`
    await writeFile(lock, `${process.pid}\n`)
    let done = false
    const pinning = store.pin(KEY_B, { name: 'Bob' }).then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(done, 'a change while another process holds the lock').toBe(false)
    await rm(lock)
    await pinning
    expect((await store.list()).map((publisher) => publisher.name)).toEqual(['Alice', 'Bob'])

    // A pid that cannot be running: the lock outlived a crash.
    await writeFile(lock, '2147483646\n')
    await store.remove(KEY_B.fingerprint)
    expect((await store.list()).map((publisher) => publisher.name)).toEqual(['Alice'])
    await expect(stat(lock)).rejects.toThrow()
  })

  it('takes over a lock holding no pid (a crash between create and write) once it is a few seconds old', async () => {
    await store.pin(KEY_A, { name: 'Alice' })
    const lock = `${store.file}.lock`
    for (const garbage of ['', 'garbage\n', '12ab\n']) {
      await writeFile(lock, garbage)
      const old = new Date(Date.now() - LOCK_STALE_MS - 1000)
      await utimes(lock, old, old)
      await store.pin(KEY_B, { name: `Bob ${JSON.stringify(garbage)}` })
      await expect(stat(lock)).rejects.toThrow()
    }
    // A fresh one may be a lock being written right now: it is waited for, not taken.
    await writeFile(lock, '')
    let done = false
    const pinning = store.pin(KEY_B, { name: 'Bob again' }).then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(done).toBe(false)
    await pinning
    expect((await store.list()).find((publisher) => publisher.fingerprint === KEY_B.fingerprint)?.name).toBe(
      'Bob again',
    )
  })

  it.each([
    ['not JSON', '{nope', /not JSON/],
    ['another version', '{"version":3,"publishers":[],"sequences":{}}', /unsupported version/],
    [
      'a malformed key',
      '{"version":1,"publishers":[{"publicKey":"vouch-ed25519 x"}],"sequences":{}}',
      /malformed/,
    ],
    ['a wrong fingerprint', null, /fingerprint of/],
  ])('reports a corrupt file (%s) instead of treating it as empty', async (_what, content, message) => {
    if (content === null) {
      await store.pin(KEY_A, { name: 'Alice' })
      const text = await readFile(store.file, 'utf8')
      await writeFile(store.file, text.replace(KEY_A.fingerprint, '0000-0000-0000-0000'))
    } else await writeFile(store.file, content)
    expect(await rejection(store.list())).toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(message),
    })
  })

  it('reports a key listed twice as corrupt, so an unrevoked copy cannot shadow a revocation', async () => {
    const pinned = await store.pin(KEY_A, { name: 'Alice' })
    const file = JSON.parse(await readFile(store.file, 'utf8')) as { publishers: unknown[] }
    file.publishers = [pinned, { ...pinned, revokedAt: new Date().toISOString() }]
    await writeFile(store.file, JSON.stringify(file))
    expect(await rejection(store.view())).toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/listed twice/),
    })
  })

  it('validates labels and scopes', async () => {
    expect(await rejection(store.pin(KEY_A, { name: '  ' }))).toMatchObject({ code: 'usage' })
    expect(await rejection(store.pin(KEY_A, { name: 'A', scope: '' }))).toMatchObject({ code: 'usage' })
  })

  it('normalises fingerprints', () => {
    expect(normaliseFingerprint('56475AA75463474C')).toBe('5647-5aa7-5463-474c')
    expect(normaliseFingerprint('56:47:5a:a7:54:63:47:4c')).toBe('5647-5aa7-5463-474c')
    expect(normaliseFingerprint('5647-5aa7')).toBeNull()
  })
})

describe('trust.json version 1 → 2 (rollback counters per key and torrent name)', () => {
  it('places each per-key record under the name of its stored torrent, keeps the rest as legacy, and writes version 2', async () => {
    const torrent = buildTorrent()
    const infoHash = readProvenanceTorrent(torrent).facts.infoHash
    await mkdir(path.join(home, 'torrents'))
    await writeFile(path.join(home, 'torrents', `${infoHash}.torrent`), torrent)
    const at = '2026-01-02T10:05:00.000Z'
    await writeFile(
      store.file,
      JSON.stringify({
        version: 1,
        publishers: [],
        sequences: {
          [KEY_A.fingerprint]: { sequence: 7, infoHash, at },
          [KEY_B.fingerprint]: { sequence: 3, infoHash: 'e'.repeat(40), at },
        },
      }),
    )
    const view = await store.view()
    expect(view.sequences.get(sequenceKey(KEY_A.fingerprint, 'vector.txt'))).toEqual({
      sequence: 7,
      infoHash,
    })
    expect(view.sequences.size, 'the record whose torrent is unknown is not enforced').toBe(1)
    await store.pin(KEY_A, { name: 'Alice' })
    const written = JSON.parse(await readFile(store.file, 'utf8')) as Record<string, unknown>
    expect(written).toMatchObject({
      version: 2,
      groups: [],
      sequences: { [KEY_A.fingerprint]: { 'vector.txt': { sequence: 7, infoHash, at } } },
      legacySequences: { [KEY_B.fingerprint]: { sequence: 3, infoHash: 'e'.repeat(40), at } },
    })
  })
})

describe('threshold groups in the trust store', () => {
  it('pins every key of the group and records its threshold', async () => {
    const group = await store.addGroup('Distro', 2, [KEY_A, KEY_B, KEY_C])
    expect(group).toMatchObject({ name: 'Distro', threshold: 2 })
    expect((await store.list()).map((publisher) => publisher.name)).toEqual(['Distro', 'Distro', 'Distro'])
    expect((await store.view()).groups).toEqual([
      { name: 'Distro', threshold: 2, members: [KEY_A.fingerprint, KEY_B.fingerprint, KEY_C.fingerprint] },
    ])
  })

  it.each([
    ['a threshold above n', 4, [KEY_A, KEY_B, KEY_C], /threshold must be a whole number from 1 to 3 .*not 4/],
    ['a threshold of 0', 0, [KEY_A, KEY_B], /threshold must be .* not 0/],
    ['a key listed twice', 2, [KEY_A, KEY_A], new RegExp(`${KEY_A.fingerprint} is listed twice`)],
    ['one key', 1, [KEY_A], /2 to 16 keys/],
  ])('refuses %s', async (_what, threshold, keys, message) => {
    expect(await rejection(store.addGroup('G', threshold, keys))).toMatchObject({
      code: 'usage',
      message: expect.stringMatching(message),
    })
  })

  it('keeps the name, scope and expiry of a key already pinned when it joins a group', async () => {
    await store.pin(KEY_A, { name: 'Alice', scope: 'vector*' })
    await store.addGroup('Distro', 2, [KEY_A, KEY_B])
    const [alice, bob] = await store.list()
    expect(alice).toMatchObject({ fingerprint: KEY_A.fingerprint, name: 'Alice', scope: 'vector*' })
    expect(bob).toMatchObject({ fingerprint: KEY_B.fingerprint, name: 'Distro', scope: null })
  })

  it('refuses a group with a revoked or rotated key and pins none of its keys', async () => {
    await store.revoke(formatPublicKey(KEY_C.publicKey))
    expect(await rejection(store.addGroup('G', 2, [KEY_A, KEY_B, KEY_C]))).toMatchObject({
      code: 'refused',
      message: expect.stringMatching(new RegExp(`${KEY_C.fingerprint} .*is revoked`)),
    })
    expect((await store.list()).map((publisher) => publisher.fingerprint)).toEqual([KEY_C.fingerprint])
    expect(await store.groups()).toEqual([])
  })
})
