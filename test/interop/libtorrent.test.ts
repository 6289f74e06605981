import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { nextLoopbackAddress, Swarm, whenDone } from '../kit/swarm.ts'
import { describeWith, libtorrent, libtorrentPeer, sha256, sha256File } from './clients.ts'

describeWith(libtorrent, 'interop with libtorrent', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('Vouch downloads from a libtorrent seeder, sha256 equal', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 6 * 1024 * 1024 + 1234, pieceLength: 64 * 1024 })
    const host = nextLoopbackAddress()
    const seeder = libtorrentPeer('seed', payload.torrentPath, payload.dir, host)
    swarm.defer(async () => void (await seeder.stop('SIGKILL')))
    const { port } = await seeder.json<{ port: number }>((event) => event.event === 'listening')
    await seeder.json((event) => event.event === 'seeding', 30_000)

    const engine = await swarm.engine()
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [`${host}:${port}`],
      remember: false,
      allowUnsigned: true,
    })
    await whenDone(torrent, 60_000)
    expect(torrent.wires.some((wire) => wire.remoteAddress === host)).toBe(true)
    expect(await sha256File(path.join(out, payload.name))).toBe(sha256(payload.bytes))
  })

  it('libtorrent downloads from Vouch, sha256 equal', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 6 * 1024 * 1024 + 4321, pieceLength: 64 * 1024 })
    const engine = await swarm.engine()
    await engine.seed(payload.file, { remember: false, pieceLength: 64 * 1024 })
    const out = await swarm.tempDir()
    const leecher = libtorrentPeer(
      'leech',
      payload.torrentPath,
      out,
      nextLoopbackAddress(),
      `127.0.0.1:${engine.port}`,
    )
    swarm.defer(async () => void (await leecher.stop('SIGKILL')))
    await leecher.json((event) => event.event === 'done', 60_000)
    expect((await leecher.exited).code).toBe(0)
    expect(await sha256File(path.join(out, payload.name))).toBe(sha256(payload.bytes))
  })
})
