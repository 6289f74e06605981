/**
 * Provenance across an engine restart: the envelopes that admitted a torrent are kept with its
 * stored copy, so a restarted engine re-verifies them (under the trust store as it is then) instead
 * of refusing a magnet or a sidecar-signed torrent as unsigned.
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryAuditSink } from '../../src/audit.ts'
import { formatSidecar, magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { Swarm, whenDone, whenMetadata, type Payload } from '../kit/swarm.ts'

const publisher = generateKey()

async function release(swarm: Swarm) {
  const payload = await swarm.payload({ bytes: 512 * 1024 + 7, name: 'release.bin' })
  const seeder = await swarm.seeder(payload)
  const signed = signTorrent(payload.torrentFile, publisher, { sequence: 1 })
  const home = await swarm.tempDir('vouch-home-')
  await TrustStore.forHome(home).pin(publisher, { name: 'Publisher' })
  const out = await swarm.tempDir('vouch-out-')
  return { payload, seeder, signed, home, out }
}

/** The unsigned .torrent with the publisher's envelope in a sidecar next to it. */
async function sidecarSigned(payload: Payload, envelope: ReturnType<typeof signTorrent>['envelope']) {
  await writeFile(`${payload.torrentPath}.vouch`, formatSidecar([envelope]))
  return payload.torrentPath
}

async function expectDownloaded(payload: Payload, out: string): Promise<void> {
  expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
}

describe('provenance after a restart', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('resumes a signed magnet from its stored metadata and downloads it', async () => {
    swarm = new Swarm()
    const { payload, seeder, signed, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    const magnet = magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope])
    // Slow: the first session stops soon after the metadata, before the download is done.
    seeder.client.throttleUpload(64 * 1024)
    await whenMetadata(await first.add(magnet, { downloadDir: out, peers: [seeder.address] }))
    await first.close()
    expect(first.remembered()[0]?.torrentFile).toMatch(/\.torrent$/)
    seeder.client.throttleUpload(-1)

    const audit = new MemoryAuditSink()
    const second = await swarm.gatedEngine({ home, resume: true, audit })
    const [resumed] = second.client.torrents
    expect(resumed?.infoHash, 'the restarted engine resumed the signed magnet').toBe(signed.infoHash)
    expect(audit.events.map((event) => event.type)).toEqual(['provenance.accepted'])
    resumed!.addPeer(seeder.address)
    await whenDone(resumed!)
    await expectDownloaded(payload, out)
  })

  it('resumes a torrent signed by a sidecar and downloads it', async () => {
    swarm = new Swarm()
    const { payload, seeder, signed, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    await first.add(await sidecarSigned(payload, signed.envelope), { downloadDir: out })
    await first.close()

    const second = await swarm.gatedEngine({ home, resume: true })
    const [resumed] = second.client.torrents
    expect(resumed?.infoHash, 'the restarted engine resumed the sidecar-signed torrent').toBe(signed.infoHash)
    resumed!.addPeer(seeder.address)
    await whenDone(resumed!)
    await expectDownloaded(payload, out)
  })

  it('does not resume a torrent whose publisher was revoked while the engine was stopped', async () => {
    swarm = new Swarm()
    const { payload, signed, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    await first.add(await sidecarSigned(payload, signed.envelope), { downloadDir: out })
    await first.close()
    await TrustStore.forHome(home).revoke(publisher.fingerprint)

    const audit = new MemoryAuditSink()
    const second = await swarm.gatedEngine({ home, resume: true, audit })
    expect(second.client.torrents).toHaveLength(0)
    expect(audit.events).toMatchObject([
      { type: 'provenance.refused', subject: signed.infoHash, details: { reason: 'revoked' } },
    ])
  })

  it('does not resume a signed magnet whose publisher was unpinned while the engine was stopped', async () => {
    swarm = new Swarm()
    const { seeder, signed, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    const magnet = magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope])
    seeder.client.throttleUpload(64 * 1024)
    await whenMetadata(await first.add(magnet, { downloadDir: out, peers: [seeder.address] }))
    await first.close()
    await TrustStore.forHome(home).remove(publisher.fingerprint)

    const audit = new MemoryAuditSink()
    const second = await swarm.gatedEngine({ home, resume: true, audit })
    expect(second.client.torrents).toHaveLength(0)
    expect(audit.events).toMatchObject([
      { type: 'provenance.refused', subject: signed.infoHash, details: { reason: 'unknown-publisher' } },
    ])
  })

  it('resumes an accepted release after the publisher numbered a newer one (not a rollback)', async () => {
    swarm = new Swarm()
    const { payload, signed, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    await first.add(await sidecarSigned(payload, signed.envelope), { downloadDir: out })
    await first.close()
    await TrustStore.forHome(home).recordSequences([
      { fingerprint: publisher.fingerprint, name: payload.name, sequence: 2, infoHash: 'f'.repeat(40) },
    ])

    const second = await swarm.gatedEngine({ home, resume: true })
    expect(second.client.torrents.map((torrent) => torrent.infoHash)).toEqual([signed.infoHash])
    // A fresh add of another copy of the old release is still a rollback.
    const other = await swarm.gatedEngine()
    await TrustStore.forHome(other.paths.home).pin(publisher, { name: 'Publisher' })
    await TrustStore.forHome(other.paths.home).recordSequences([
      { fingerprint: publisher.fingerprint, name: payload.name, sequence: 2, infoHash: 'f'.repeat(40) },
    ])
    await expect(other.add(payload.torrentPath, { downloadDir: out, remember: false })).rejects.toMatchObject(
      {
        details: { reason: 'rolled-back' },
      },
    )
  })

  it('resumes a torrent added with --allow-unsigned under the same override, audited again', async () => {
    swarm = new Swarm()
    const { payload, seeder, home, out } = await release(swarm)
    const first = await swarm.gatedEngine({ home, resume: true })
    await first.add(payload.torrentPath, { downloadDir: out, allowUnsigned: true })
    await first.close()

    const audit = new MemoryAuditSink()
    const second = await swarm.gatedEngine({ home, resume: true, audit })
    const [resumed] = second.client.torrents
    expect(resumed).toBeDefined()
    expect(audit.events).toMatchObject([
      { type: 'provenance.override', subject: resumed!.infoHash, details: { reason: 'unsigned' } },
    ])
    resumed!.addPeer(seeder.address)
    await whenDone(resumed!)
    await expectDownloaded(payload, out)
  })
})
