/**
 * The listening port applied at once, against a real `vouch serve`: after `settings.set` the
 * engine accepts peers on the new port (a real download through it), no longer on the old one, and
 * a port that cannot be bound is refused with the old port kept.
 */
import { copyFile, readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import { acceptsConnections as accepts } from '../../src/server/port-probe.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { openApi } from '../kit/api.ts'
import { startServe } from '../kit/serve.ts'
import { QUIET_CLIENT, stopClient, Swarm, whenDone, wireFrom, withTimeout } from '../kit/swarm.ts'

/** A TCP server on an ephemeral port of 127.0.0.1, kept open (to occupy it) or closed (to free it). */
async function listeningServer(): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()))
  return server
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port

async function freePort(): Promise<number> {
  const server = await listeningServer()
  const port = portOf(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('network settings applied at once', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('listens on a new port as soon as it is set, and serves a peer there', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const serve = await startServe(swarm, home)
    const oldPort = Number(serve.serving.torrentPort)
    expect(await accepts(oldPort)).toBe(true)

    const payload = await swarm.payload({ bytes: 128 * 1024, name: 'on-the-new-port.bin' })
    const downloads = (await serve.api.call('app.info', {})).downloadDir
    await copyFile(payload.file, path.join(downloads, 'on-the-new-port.bin'))
    await serve.api.call('torrents.addFile', {
      fileName: 'on-the-new-port.torrent',
      contentBase64: (await readFile(payload.torrentPath)).toString('base64'),
      allowUnsigned: true,
    })

    const newPort = await freePort()
    const saved = await serve.api.call('settings.set', { listenPort: newPort })
    expect(saved.listenPort).toBe(newPort)
    expect(await accepts(newPort)).toBe(true)
    expect(await accepts(oldPort)).toBe(false)

    const leecher = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
    swarm.defer(() => stopClient(leecher))
    const dir = await swarm.tempDir('vouch-leecher-')
    const torrent = await withTimeout(
      new Promise<Torrent>((resolve) => leecher.add(payload.torrentFile, { path: dir }, resolve)),
      10_000,
      'leecher ready',
    )
    torrent.addPeer(`127.0.0.1:${newPort}`)
    await whenDone(torrent, 30_000)
    expect((await readFile(path.join(dir, 'on-the-new-port.bin'))).equals(payload.bytes)).toBe(true)
  })

  it('refuses a port that is taken, naming it, and keeps listening on the old one', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const serve = await startServe(swarm, home)
    const oldPort = Number(serve.serving.torrentPort)
    const taken = await listeningServer()
    swarm.defer(() => new Promise<void>((resolve) => taken.close(() => resolve())))

    await expect(serve.api.call('settings.set', { listenPort: portOf(taken) })).rejects.toThrow(
      new RegExp(`port ${portOf(taken)}`),
    )
    expect((await serve.api.call('settings.get', {})).listenPort).toBeNull()
    expect(await accepts(oldPort)).toBe(true)
    // The engine is still alive: it answers, and a free port is taken at once.
    const next = await freePort()
    expect((await serve.api.call('settings.set', { listenPort: next })).listenPort).toBe(next)
    expect(await accepts(next)).toBe(true)
  })

  it('offers PEX on the connections made after it is switched on or off', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 32 * 1024, name: 'pex.bin' })
    const seeder = await swarm.seeder(payload)
    // PEX on for this run (the kit turns it off by default), as in a normal start.
    const api = await openApi(swarm, { utPex: true })
    const engine = api.backend.engine
    const hasPex = async () => {
      const torrent = await engine.add(payload.torrentPath, { allowUnsigned: true, peers: [seeder.address] })
      const wire = await wireFrom(torrent, seeder.host)
      await engine.remove(torrent.infoHash, { deleteData: true })
      return 'ut_pex' in wire
    }
    expect(await hasPex()).toBe(true)
    await api.call('settings.set', { pex: false })
    expect(await hasPex()).toBe(false)
    await api.call('settings.set', { pex: true })
    expect(await hasPex()).toBe(true)
  })

  it('announces the new port to the trackers, and keeps their status current', async () => {
    swarm = new Swarm()
    const tracker = await swarm.tracker()
    const announcedPorts: number[] = []
    for (const event of ['start', 'update'] as const) {
      tracker.server.on(event, (_address: string, params: { port: number }) =>
        announcedPorts.push(params.port),
      )
    }
    const payload = await swarm.payload({
      bytes: 32 * 1024,
      name: 'tracked.bin',
      announce: [tracker.announceUrl],
    })
    const api = await openApi(swarm, { tracker: true })
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    const oldPort = api.backend.engine.port
    await expect.poll(() => announcedPorts, { timeout: 10_000 }).toContain(oldPort)

    const newPort = await freePort()
    await api.call('settings.set', { listenPort: newPort })
    await expect.poll(() => announcedPorts, { timeout: 10_000 }).toContain(newPort)
    const changedAt = Date.now()
    // The tracker client made for the new port is the one whose answers the details show.
    await api.call('torrents.reannounce', { infoHash: torrent.infoHash })
    await expect
      .poll(async () => (await api.call('torrents.details', { infoHash: torrent.infoHash })).trackers[0], {
        timeout: 10_000,
      })
      .toMatchObject({ status: 'working', lastAnnounce: expect.toSatisfy((at: number) => at >= changedAt) })
  })
})
