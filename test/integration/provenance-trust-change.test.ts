/**
 * A change to the trusted keys reaches torrents already admitted in a running engine: revoking or
 * unpinning a publisher from the UI stops its downloads in progress (no piece requested after),
 * and leaves every other torrent alone.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Torrent } from 'webtorrent'
import { openBackend, type Backend } from '../../src/api/backend.ts'
import type { CommandArgs, CommandName, CommandResult, EventMessage } from '../../src/api/contract.ts'
import { magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { generateKey, type SecretKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { QUIET_CLIENT, Swarm, whenDone, withTimeout, type Seeder } from '../kit/swarm.ts'

const PIECE = 32 * 1024
const PIECES = 64

async function openApi(swarm: Swarm, pinned: SecretKey[]) {
  const home = await swarm.tempDir('vouch-home-')
  for (const key of pinned) await TrustStore.forHome(home).pin(key, { name: key.fingerprint.slice(0, 8) })
  const backend: Backend = await openBackend({
    engine: { ...QUIET_CLIENT, home, resume: false },
    version: 'test',
  })
  swarm.defer(() => backend.close())
  const events: EventMessage[] = []
  backend.service.events.subscribe((message) => events.push(message))
  const call = async <K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>> => {
    const response = await backend.service.dispatcher.dispatch({ command, args })
    if (!response.ok) throw new Error(`${command}: ${response.error.code}: ${response.error.message}`)
    return response.result as CommandResult<K>
  }
  return { backend, events, call, out: await swarm.tempDir('vouch-out-') }
}

/** A slow seeder of a release signed by `key`, the signed .torrent written next to the payload. */
async function slowRelease(swarm: Swarm, key: SecretKey, name: string) {
  const payload = await swarm.payload({ bytes: PIECES * PIECE, pieceLength: PIECE, name })
  const seeder = await swarm.seeder(payload)
  seeder.client.throttleUpload(256 * 1024)
  const signed = signTorrent(payload.torrentFile, key, { sequence: 1 })
  const signedPath = path.join(payload.dir, `${name}.signed.torrent`)
  await writeFile(signedPath, signed.bytes)
  return { payload, seeder, signed, signedPath }
}

function someVerified(torrent: Torrent, pieces = 4): Promise<void> {
  let verified = 0
  return withTimeout(
    new Promise<void>((resolve) => torrent.on('verified', () => ++verified >= pieces && resolve())),
    20_000,
    `${pieces} pieces of ${torrent.name ?? torrent.infoHash}`,
  )
}

/**
 * Requests the seeder receives once the refused torrent's connection to it has closed there. The
 * seeder drops that wire when it reads the end of the stream, so every request sent before the
 * refusal has been counted (or dropped with the wire) by then, however slow the machine is; what
 * follows could only come over a new connection.
 */
async function expectNoMoreRequests(seeder: Seeder): Promise<void> {
  await expect.poll(() => seeder.torrent.wires.length, { timeout: 10_000 }).toBe(0)
  const before = seeder.requestsReceived
  await new Promise((resolve) => setTimeout(resolve, 1500))
  expect(seeder.requestsReceived - before, 'piece requests after the refusal').toBe(0)
}

describe('a trust change reaches a running engine', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('revoking a publisher stops its download in progress; another publisher’s goes on', async () => {
    swarm = new Swarm()
    const revoked = generateKey()
    const kept = generateKey()
    const api = await openApi(swarm, [revoked, kept])
    const bad = await slowRelease(swarm, revoked, 'leaked.bin')
    const good = await slowRelease(swarm, kept, 'fine.bin')
    const engine = api.backend.engine
    const stopping = await engine.add(bad.signedPath, { downloadDir: api.out, peers: [bad.seeder.address] })
    const going = await engine.add(good.signedPath, { downloadDir: api.out, peers: [good.seeder.address] })
    await Promise.all([someVerified(stopping), someVerified(going)])
    expect(stopping.done).toBe(false)

    const refused = engine.events.waitFor('error', (event) => event.infoHash === bad.signed.infoHash, 5000)
    const revokedAt = Date.now()
    await api.call('trust.revoke', { fingerprint: revoked.fingerprint })
    const event = await refused
    expect(Date.now() - revokedAt, 'stopped within a bounded time').toBeLessThan(5000)
    expect(event).toMatchObject({
      code: 'refused',
      refusal: { code: 'revoked', fingerprint: revoked.fingerprint },
    })
    expect(stopping.destroyed).toBe(true)
    await expectNoMoreRequests(bad.seeder)
    expect(engine.client.torrents.map((torrent) => torrent.infoHash)).toEqual([good.signed.infoHash])
    expect(api.events.some((message) => message.event === 'torrent.refused')).toBe(true)
    good.seeder.client.throttleUpload(-1)
    await whenDone(going, 30_000)
  })

  it('unpinning a publisher stops its signed magnet in progress', async () => {
    swarm = new Swarm()
    const publisher = generateKey()
    const api = await openApi(swarm, [publisher])
    const { seeder, signed } = await slowRelease(swarm, publisher, 'unpinned.bin')
    const added = await api.call('torrents.add', {
      source: magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope]),
      peers: [seeder.address],
    })
    expect(added.status).toBe('added')
    const [torrent] = api.backend.engine.client.torrents
    await someVerified(torrent!)

    const refused = api.backend.engine.events.waitFor('error', (e) => e.infoHash === signed.infoHash, 5000)
    await api.call('trust.remove', { fingerprint: publisher.fingerprint })
    expect(await refused).toMatchObject({ code: 'refused', refusal: { code: 'unknown-publisher' } })
    expect(torrent!.destroyed).toBe(true)
    await expectNoMoreRequests(seeder)
  })
})
