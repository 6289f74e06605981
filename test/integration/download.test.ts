import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebTorrent from 'webtorrent'
import { Swarm, QUIET_CLIENT, whenDone, withTimeout, stopClient } from '../kit/swarm.ts'

describe('downloading and seeding over a loopback swarm', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('downloads from a WebTorrent seeder and the bytes match', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 3 * 1024 * 1024 + 123 })
    const seeder = await swarm.seeder(payload)
    const engine = await swarm.engine()
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
    })
    await whenDone(torrent)
    const got = await readFile(path.join(out, payload.name))
    expect(got.equals(payload.bytes)).toBe(true)
    expect(torrent.wires.some((wire) => wire.remoteAddress === seeder.host)).toBe(true)
  })

  it('seeds to a plain WebTorrent leecher', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024 })
    const engine = await swarm.engine()
    const seeded = await engine.seed(payload.file, { remember: false })
    const leecher = new WebTorrent({ ...QUIET_CLIENT })
    swarm.defer(() => stopClient(leecher))
    const out = await swarm.tempDir()
    const torrent = leecher.add(seeded.torrentFile, { path: out })
    torrent.once('infoHash', () => torrent.addPeer(`127.0.0.1:${engine.port}`))
    await whenDone(torrent)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
  })

  it('downloads a magnet link whose metadata comes from the peer', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024 })
    const seeder = await swarm.seeder(payload)
    const engine = await swarm.engine()
    const out = await swarm.tempDir()
    const torrent = await engine.add(seeder.torrent.magnetURI, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
      allowUnsigned: true,
    })
    await whenDone(torrent)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
  })

  it('finds peers through a tracker on 127.0.0.1', async () => {
    swarm = new Swarm()
    const tracker = await swarm.tracker()
    const payload = await swarm.payload({ bytes: 256 * 1024, announce: [tracker.announceUrl] })
    const seederClient = new WebTorrent({ ...QUIET_CLIENT, tracker: true })
    swarm.defer(() => stopClient(seederClient))
    await withTimeout(
      new Promise<void>((resolve) =>
        seederClient.add(payload.torrentFile, { path: payload.dir }, (t) =>
          t.done ? resolve() : t.once('done', () => resolve()),
        ),
      ),
      20_000,
      'seed',
    )
    const engine = await swarm.engine({ tracker: true })
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, { downloadDir: out, remember: false })
    await whenDone(torrent)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
  })
})
