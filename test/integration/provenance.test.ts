/**
 * The provenance gate on real loopback swarms: a refused torrent produces zero piece requests at
 * the seeder and no file in the download directory; a pinned publisher's torrent downloads.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryAuditSink } from '../../src/audit.ts'
import { provenanceOf } from '../../src/engine/create-engine.ts'
import { isVouchError } from '../../src/errors.ts'
import { magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { generateKey, type SecretKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { sequenceKey } from '../../src/provenance/policy.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { misnamedEnvelope } from '../kit/provenance.ts'
import { Swarm, whenDone, withTimeout, type Payload, type Seeder } from '../kit/swarm.ts'

const publisher = generateKey()

/** A payload, a seeder for it, and the publisher's signed .torrent written next to it. */
async function signedRelease(swarm: Swarm, key: SecretKey = publisher, name = 'release.bin') {
  const payload = await swarm.payload({ bytes: 512 * 1024 + 99, name })
  const seeder = await swarm.seeder(payload)
  const signed = signTorrent(payload.torrentFile, key, { sequence: 1 })
  const signedPath = path.join(payload.dir, `${name}.signed.torrent`)
  await writeFile(signedPath, signed.bytes)
  return { payload, seeder, signed, signedPath }
}

async function homePinning(swarm: Swarm, key: SecretKey | null): Promise<string> {
  const home = await swarm.tempDir('vouch-home-')
  if (key) await TrustStore.forHome(home).pin(key, { name: 'Publisher' })
  return home
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    if (isVouchError(error)) return error
    throw error
  }
  throw new Error('expected the add to be refused')
}

/** Give a refused torrent time to misbehave, then prove it did not. */
async function expectNothingFetched(seeder: Seeder, out: string, settleMs = 1500): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, settleMs))
  expect(seeder.requestsReceived, 'piece requests at the seeder').toBe(0)
  expect(await readdir(out), 'files in the download directory').toEqual([])
}

async function expectDownloaded(payload: Payload, out: string): Promise<void> {
  expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
}

describe('the provenance gate on a loopback swarm', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('refuses an unpinned publisher’s torrent: exit-3 error naming the fingerprint, zero requests, no file', async () => {
    swarm = new Swarm()
    const { seeder, signedPath } = await signedRelease(swarm)
    const audit = new MemoryAuditSink()
    const engine = await swarm.gatedEngine({ home: await homePinning(swarm, null), audit })
    const out = await swarm.tempDir('vouch-out-')
    const error = await refusal(
      engine.add(signedPath, { downloadDir: out, peers: [seeder.address], remember: false }),
    )
    expect(error.code).toBe('refused')
    expect(error.details).toMatchObject({ reason: 'unknown-publisher', fingerprint: publisher.fingerprint })
    expect(error.message).toContain(publisher.fingerprint)
    expect(error.message).toContain('vouch trust add')
    await expectNothingFetched(seeder, out)
    expect(engine.client.torrents).toHaveLength(0)
    expect(audit.events.filter((event) => event.type === 'provenance.refused')).toHaveLength(1)
  })

  it('refuses an unsigned torrent unless --allow-unsigned, which is audited as an override', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const seeder = await swarm.seeder(payload)
    const audit = new MemoryAuditSink()
    const engine = await swarm.gatedEngine({ home: await homePinning(swarm, publisher), audit })
    const out = await swarm.tempDir('vouch-out-')
    const error = await refusal(
      engine.add(payload.torrentPath, { downloadDir: out, peers: [seeder.address], remember: false }),
    )
    expect(error.details).toMatchObject({ reason: 'unsigned' })
    await expectNothingFetched(seeder, out, 500)
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
      allowUnsigned: true,
    })
    await whenDone(torrent)
    await expectDownloaded(payload, out)
    expect(audit.events.map((event) => event.type)).toEqual(['provenance.refused', 'provenance.override'])
    expect(audit.events[1]).toMatchObject({
      subject: torrent.infoHash,
      details: { reason: 'unsigned' },
    })
  })

  it('downloads a pinned publisher’s torrent, and records the acceptance', async () => {
    swarm = new Swarm()
    const { payload, seeder, signedPath, signed } = await signedRelease(swarm)
    const audit = new MemoryAuditSink()
    const home = await homePinning(swarm, publisher)
    const engine = await swarm.gatedEngine({ home, audit })
    const out = await swarm.tempDir('vouch-out-')
    const torrent = await engine.add(signedPath, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
    })
    await whenDone(torrent)
    expect(torrent.infoHash, 'the signature did not change the swarm').toBe(signed.infoHash)
    await expectDownloaded(payload, out)
    expect(seeder.requestsReceived).toBeGreaterThan(0)
    expect(audit.events[0]).toMatchObject({
      type: 'provenance.accepted',
      subject: signed.infoHash,
      details: { fingerprints: [publisher.fingerprint] },
    })
    expect(
      (await TrustStore.forHome(home).view()).sequences.get(sequenceKey(publisher.fingerprint, payload.name))
        ?.sequence,
    ).toBe(1)
  })

  it('downloads a signed magnet: envelope checked before connecting, metadata checked on arrival', async () => {
    swarm = new Swarm()
    const { payload, seeder, signed } = await signedRelease(swarm)
    const engine = await swarm.gatedEngine({ home: await homePinning(swarm, publisher) })
    const out = await swarm.tempDir('vouch-out-')
    const magnet = magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope])
    const torrent = await engine.add(magnet, { downloadDir: out, peers: [seeder.address], remember: false })
    await whenDone(torrent)
    await expectDownloaded(payload, out)
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('approved')
  })

  it('refuses a signed magnet whose publisher was revoked while it waited for metadata', async () => {
    swarm = new Swarm()
    const { seeder, signed } = await signedRelease(swarm)
    const home = await homePinning(swarm, publisher)
    const engine = await swarm.gatedEngine({ home })
    const out = await swarm.tempDir('vouch-out-')
    const magnet = magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope])
    const torrent = await engine.add(magnet, { downloadDir: out, remember: false })
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('awaiting-metadata')
    // The user learns the key leaked and revokes it (vouch trust revoke, another process).
    await TrustStore.forHome(home).revoke(publisher.fingerprint)
    const refused = engine.events.waitFor('error', (event) => event.infoHash === signed.infoHash, 20_000)
    torrent.addPeer(seeder.address)
    const event = await refused
    expect(event.message).toMatch(/revoked/)
    expect(torrent.destroyed).toBe(true)
    await expectNothingFetched(seeder, out)
  })

  it('destroys a magnet whose metadata does not match its envelope before any piece is requested', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'real-name.bin' })
    const seeder = await swarm.seeder(payload)
    // A pinned publisher's valid signature over the right infohash but another name.
    const { facts, envelope } = misnamedEnvelope(payload.torrentFile, publisher, 'claimed-name.bin')
    const engine = await swarm.gatedEngine({ home: await homePinning(swarm, publisher) })
    const out = await swarm.tempDir('vouch-out-')
    const refused = engine.events.waitFor('error', (event) => event.infoHash === facts.infoHash, 20_000)
    const torrent = await engine.add(magnetWithEnvelopes({ infoHash: facts.infoHash }, [envelope]), {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
    })
    const event = await refused
    expect(event).toMatchObject({ code: 'refused' })
    expect(event.message).toMatch(/mismatch|different metadata/)
    expect(event.message).toContain('claimed-name.bin')
    expect(torrent.destroyed).toBe(true)
    await expectNothingFetched(seeder, out)
  })

  it('checks metadata that arrives while an offered envelope is being recorded, before approving', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'real-name.bin' })
    const seeder = await swarm.seeder(payload)
    // Valid for the infohash, wrong for the metadata (what a SHA-1 collision would look like).
    const { facts, envelope } = misnamedEnvelope(payload.torrentFile, publisher, 'claimed-name.bin', {
      sequence: 5,
    })
    const home = await homePinning(swarm, publisher)
    const engine = await swarm.gatedEngine({ home })
    const out = await swarm.tempDir('vouch-out-')
    const torrent = await engine.add(`magnet:?xt=urn:btih:${facts.infoHash}`, {
      downloadDir: out,
      remember: false,
    })
    // Another vouch process holds the trust store while this one records the envelope's sequence.
    const refused = engine.events.waitFor('error', (event) => event.infoHash === facts.infoHash, 20_000)
    const lock = path.join(home, 'trust.json.lock')
    await writeFile(lock, `${process.pid}\n`)
    const offered = provenanceOf(engine)!.offerEnvelopes(facts.infoHash, [
      { ok: true, envelope, carrier: 'test' },
    ])
    const metadata = engine.events.waitFor('metadata', (event) => event.infoHash === facts.infoHash, 20_000)
    torrent.addPeer(seeder.address)
    await metadata
    await rm(lock)
    const decision = await withTimeout(offered, 10_000, 'the offer')
    expect(decision).toMatchObject({ accepted: false, reason: 'mismatch' })
    expect(await refused).toMatchObject({ code: 'refused' })
    expect(torrent.destroyed).toBe(true)
    await expectNothingFetched(seeder, out)
  })

  it('holds an unsigned magnet (nothing requested or written) until an accepted envelope is offered', async () => {
    swarm = new Swarm()
    const { payload, seeder, signed } = await signedRelease(swarm)
    const engine = await swarm.gatedEngine({ home: await homePinning(swarm, publisher) })
    const out = await swarm.tempDir('vouch-out-')
    const metadata = engine.events.waitFor('metadata', (event) => event.infoHash === signed.infoHash, 20_000)
    const torrent = await engine.add(`magnet:?xt=urn:btih:${signed.infoHash}`, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
    })
    await metadata
    const gate = provenanceOf(engine)
    expect(gate?.stateOf(signed.infoHash)).toBe('awaiting-envelope')
    await expectNothingFetched(seeder, out)
    expect(torrent.wires.length, 'the peer is connected all along').toBeGreaterThan(0)

    const stranger = signTorrent(payload.torrentFile, generateKey()).envelope
    const no = await gate!.offerEnvelopes(signed.infoHash, [
      { ok: true, envelope: stranger, carrier: 'test' },
    ])
    expect(no).toMatchObject({ accepted: false, reason: 'unknown-publisher' })
    await expectNothingFetched(seeder, out, 300)

    const yes = await gate!.offerEnvelopes(signed.infoHash, [
      { ok: true, envelope: signed.envelope, carrier: 'test' },
    ])
    expect(yes).toMatchObject({ accepted: true, fingerprint: publisher.fingerprint })
    await withTimeout(whenDone(torrent), 30_000, 'download after approval')
    await expectDownloaded(payload, out)
  })
})
