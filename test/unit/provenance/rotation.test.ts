/** Key rotation (docs/formats.md, "Key rotation"), vector K1 and the rules for applying one. */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { judgeTorrentFile } from '../../../src/provenance/gate.ts'
import { generateKey } from '../../../src/provenance/keys.ts'
import {
  decodeRotation,
  encodeRotation,
  rotationMessage,
  signRotation,
} from '../../../src/provenance/rotation.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { TrustStore } from '../../../src/provenance/trust-store.ts'
import { CREATED, KEY_A, KEY_B, KEY_C, buildTorrent } from '../../fixtures/provenance/build.ts'

const K1 = {
  messageLength: 127,
  signature:
    'ad9d94fd4ca558037ba438b5bc0a4603c6cc969a7b88b7aa93369f896224101ec628363e27e7e61e2b8eb68f7b918e80df6117ce2b75ded0999d9d7e8434cb07',
  encodedLength: 238,
  encodedSha256: '84f914a5512bfdbdc9c6b7bfdecf995e646ab1957376a621d857014c686a544d',
}

const rotation = (signers = [KEY_A], from = KEY_A, to = KEY_B) =>
  signRotation({ oldKey: from.publicKey, newKey: to.publicKey, created: CREATED }, signers)

let home: string
let store: TrustStore
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'vouch-rotation-'))
  store = TrustStore.forHome(home)
})
afterEach(async () => rm(home, { recursive: true, force: true }))

describe('rotation statement vector K1', () => {
  it('K1: key A hands its pin to key B, created 1767225600, signed by A', () => {
    const statement = rotation()
    expect(rotationMessage(statement).length, 'K1 message length').toBe(K1.messageLength)
    expect(Buffer.from(statement.signatures[0]?.signature ?? []).toString('hex'), 'K1 signature').toBe(
      K1.signature,
    )
    const encoded = encodeRotation(statement)
    expect(encoded.length, 'K1 encoded length').toBe(K1.encodedLength)
    expect(createHash('sha256').update(encoded).digest('hex'), 'K1 encoded SHA-256').toBe(K1.encodedSha256)
    expect(decodeRotation(encoded)).toEqual(statement)
  })
})

describe('applying a rotation', () => {
  it('signed by the old key: the new key takes the pin, the old one stays listed and signs nothing new', async () => {
    await store.pin(KEY_A, { name: 'Alice', scope: 'vector*' })
    const pinned = await store.rotate(rotation(), new Date(CREATED * 1000 + 1000))
    expect(pinned).toMatchObject({ fingerprint: KEY_B.fingerprint, name: 'Alice', scope: 'vector*' })
    const old = (await store.list()).find((publisher) => publisher.fingerprint === KEY_A.fingerprint)
    expect(old).toMatchObject({ rotatedTo: KEY_B.fingerprint })
    const view = await store.view()
    const before = signTorrent(buildTorrent(), KEY_A, { created: CREATED })
    const after = signTorrent(buildTorrent(), KEY_A, { created: CREATED + 10 })
    const byNew = signTorrent(buildTorrent(), KEY_B, { created: CREATED + 10 })
    expect(
      judgeTorrentFile(before.bytes, view, Date.now()).decision.accepted,
      'signed before the rotation',
    ).toBe(true)
    expect(judgeTorrentFile(after.bytes, view, Date.now()).decision).toMatchObject({
      accepted: false,
      reason: 'revoked',
    })
    expect(judgeTorrentFile(byNew.bytes, view, Date.now()).decision.accepted, 'the new key').toBe(true)
  })

  it('refuses a rotation signed by an unpinned key, from a revoked key, or not signed by the old key', async () => {
    await expect(store.rotate(rotation())).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/not pinned/),
    })
    await store.pin(KEY_A, { name: 'Alice' })
    await expect(store.rotate(rotation([KEY_C]))).rejects.toMatchObject({
      message: expect.stringMatching(/not signed by the old key/),
    })
    const stranger = generateKey()
    await expect(store.rotate(rotation([stranger]))).rejects.toMatchObject({ code: 'refused' })
    await store.revoke(KEY_A.fingerprint)
    await expect(store.rotate(rotation())).rejects.toMatchObject({
      message: expect.stringMatching(/revoked/),
    })
  })

  it('a threshold of the old key’s group may rotate it; the new key takes its place in the group', async () => {
    const newKey = generateKey()
    await store.addGroup('Distro', 2, [KEY_A, KEY_B, KEY_C])
    await expect(store.rotate(rotation([KEY_B], KEY_A, newKey))).rejects.toMatchObject({ code: 'refused' })
    await store.rotate(rotation([KEY_B, KEY_C], KEY_A, newKey))
    expect((await store.view()).groups?.[0]?.members).toEqual([
      newKey.fingerprint,
      KEY_B.fingerprint,
      KEY_C.fingerprint,
    ])
  })
  it('a key rotated out of a group still needs the group: alone it is below the threshold, and with its successor it counts once', async () => {
    const newKey = generateKey()
    await store.addGroup('Distro', 2, [KEY_A, KEY_B, KEY_C])
    await store.rotate(rotation([KEY_A], KEY_A, newKey), new Date(CREATED * 1000 + 1000))
    const view = await store.view()
    // Envelopes from before the rotation (or backdated by whoever holds the old key).
    const judged = (...keys: (typeof KEY_A)[]) =>
      judgeTorrentFile(
        keys.reduce((bytes, key) => signTorrent(bytes, key, { created: CREATED }).bytes, buildTorrent()),
        view,
        Date.now(),
      ).decision
    expect(judged(KEY_A), 'the old key alone').toMatchObject({
      accepted: false,
      reason: 'below-threshold',
      threshold: { group: 'Distro', signed: 1, required: 2, keys: 3 },
    })
    expect(judged(KEY_A, newKey), 'the old key and its successor hold one seat').toMatchObject({
      accepted: false,
      reason: 'below-threshold',
      threshold: { signed: 1 },
    })
    expect(judged(KEY_A, KEY_B).accepted, 'two seats, before the rotation').toBe(true)
    expect(judged(newKey, KEY_C).accepted, 'two seats, the new key in the old one’s').toBe(true)
  })
})
