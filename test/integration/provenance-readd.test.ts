/**
 * Adding a magnet again while the gate holds it (no envelope yet): the add returns the held
 * torrent, an envelope the new magnet carries is applied to it, and a bad one is refused without
 * touching the held torrent. Before, the second add replaced the hold and the first one was stuck.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { provenanceOf } from '../../src/engine/create-engine.ts'
import type { Engine } from '../../src/engine/engine.ts'
import { isVouchError } from '../../src/errors.ts'
import { magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { Swarm, whenDone, type Payload } from '../kit/swarm.ts'

const publisher = generateKey()

/** An engine holding the bare magnet of a pinned publisher's release, its metadata already in. */
async function heldMagnet(swarm: Swarm) {
  const payload = await swarm.payload({ bytes: 256 * 1024 + 3, name: 'held.bin' })
  const seeder = await swarm.seeder(payload)
  const signed = signTorrent(payload.torrentFile, publisher, { sequence: 1 })
  const home = await swarm.tempDir('vouch-home-')
  await TrustStore.forHome(home).pin(publisher, { name: 'Publisher' })
  const engine = await swarm.gatedEngine({ home })
  const out = await swarm.tempDir('vouch-out-')
  const metadata = engine.events.waitFor('metadata', (event) => event.infoHash === signed.infoHash, 20_000)
  const torrent = await engine.add(`magnet:?xt=urn:btih:${signed.infoHash}`, {
    downloadDir: out,
    peers: [seeder.address],
    remember: false,
  })
  await metadata
  expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('awaiting-envelope')
  return { payload, seeder, signed, engine, out, torrent }
}

async function expectDownloaded(payload: Payload, out: string): Promise<void> {
  expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
}

async function refusalOf(engine: Engine, magnet: string) {
  try {
    await engine.add(magnet, { remember: false })
  } catch (error) {
    if (isVouchError(error)) return error
    throw error
  }
  throw new Error('expected the second add to be refused')
}

describe('adding a held magnet again', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('applies the envelope the second magnet carries to the held torrent, which downloads', async () => {
    swarm = new Swarm()
    const { payload, signed, engine, out, torrent } = await heldMagnet(swarm)
    const again = await engine.add(magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope]), {
      remember: false,
    })
    expect(again).toBe(torrent)
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('approved')
    await whenDone(torrent)
    await expectDownloaded(payload, out)
  })

  it('returns the held torrent for the same bare magnet, which an offered envelope still releases', async () => {
    swarm = new Swarm()
    const { payload, signed, engine, out, torrent } = await heldMagnet(swarm)
    const again = await engine.add(`magnet:?xt=urn:btih:${signed.infoHash}`, { remember: false })
    expect(again).toBe(torrent)
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('awaiting-envelope')
    const decision = await provenanceOf(engine)!.offerEnvelopes(signed.infoHash, [
      { ok: true, envelope: signed.envelope, carrier: 'test' },
    ])
    expect(decision.accepted).toBe(true)
    await whenDone(torrent)
    await expectDownloaded(payload, out)
  })

  it('applies the envelope of the signed .torrent added while its magnet is held', async () => {
    swarm = new Swarm()
    const { payload, signed, engine, out, torrent } = await heldMagnet(swarm)
    const signedPath = path.join(payload.dir, 'held.signed.torrent')
    await writeFile(signedPath, signed.bytes)
    expect(await engine.add(signedPath, { remember: false })).toBe(torrent)
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('approved')
    await whenDone(torrent)
    await expectDownloaded(payload, out)
  })

  it('refuses a second magnet whose envelope is refused, and keeps holding the first', async () => {
    swarm = new Swarm()
    const { payload, seeder, signed, engine, out, torrent } = await heldMagnet(swarm)
    const stranger = signTorrent(payload.torrentFile, generateKey()).envelope
    const error = await refusalOf(engine, magnetWithEnvelopes({ infoHash: signed.infoHash }, [stranger]))
    expect(error.code).toBe('refused')
    expect(error.details).toMatchObject({ reason: 'unknown-publisher' })
    expect(error.message).toMatch(/still held/)
    expect(torrent.destroyed).toBe(false)
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('awaiting-envelope')
    expect(seeder.requestsReceived).toBe(0)
    expect(await readdir(out)).toEqual([])
  })
})
