/**
 * Per-torrent speed limits (torrents.setLimits) over a real engine and real loopback swarms.
 * Checked from the side that cannot flake on a slow machine: a limited transfer takes at least
 * about size ÷ limit, while a torrent of the same client without a limit is not held to it.
 */
import { copyFile } from 'node:fs/promises'
import path from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import { afterEach, describe, expect, it } from 'vitest'
import { openApi } from '../kit/api.ts'
import { QUIET_CLIENT, stopClient, Swarm, whenDone, withTimeout } from '../kit/swarm.ts'

const BYTES = 512 * 1024
const LIMIT = 64 * 1024
/** 8 s at the limit; the bucket's burst and the buffers in the pipe may save a little of it. */
const AT_LEAST_SECONDS = 0.75 * (BYTES / LIMIT)

const secondsSince = (started: number) => (Date.now() - started) / 1000

describe('per-torrent speed limits', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('holds a download under its own limit, and not the other torrent of the same client', async () => {
    swarm = new Swarm()
    const limited = await swarm.payload({ bytes: BYTES, name: 'limited.bin' })
    const free = await swarm.payload({ bytes: BYTES, name: 'free.bin' })
    const limitedSeeder = await swarm.seeder(limited)
    const freeSeeder = await swarm.seeder(free)
    const api = await openApi(swarm)
    const engine = api.backend.engine
    const slow = await engine.add(limited.torrentPath, { allowUnsigned: true })
    const fast = await engine.add(free.torrentPath, { allowUnsigned: true })

    const details = await api.call('torrents.setLimits', { infoHash: slow.infoHash, downloadLimit: LIMIT })
    expect(details.limits).toEqual({ downloadLimit: LIMIT, uploadLimit: null })
    expect((await api.call('torrents.details', { infoHash: fast.infoHash })).limits).toEqual({
      downloadLimit: null,
      uploadLimit: null,
    })

    const started = Date.now()
    await api.call('torrents.addPeer', { infoHash: slow.infoHash, address: limitedSeeder.address })
    await api.call('torrents.addPeer', { infoHash: fast.infoHash, address: freeSeeder.address })
    const slowDone = whenDone(slow, 60_000).then(() => secondsSince(started))
    const fastSeconds = await whenDone(fast, 60_000).then(() => secondsSince(started))
    const slowSeconds = await slowDone

    expect(slowSeconds).toBeGreaterThan(AT_LEAST_SECONDS)
    expect(fastSeconds).toBeLessThan(AT_LEAST_SECONDS)
    expect(slow.progress).toBe(1)
  })

  it('holds an upload under its own limit, and not the other seed of the same client', async () => {
    swarm = new Swarm()
    const limited = await swarm.payload({ bytes: BYTES, name: 'limited-seed.bin' })
    const free = await swarm.payload({ bytes: BYTES, name: 'free-seed.bin' })
    const api = await openApi(swarm)
    const engine = api.backend.engine
    const seeds = []
    for (const payload of [limited, free]) {
      await copyFile(payload.file, path.join(engine.downloadDir, path.basename(payload.file)))
      const seed = await engine.add(payload.torrentPath, { allowUnsigned: true })
      await whenDone(seed)
      seeds.push(seed)
    }
    const slowSeed = seeds[0]!
    await api.call('torrents.setLimits', { infoHash: slowSeed.infoHash, uploadLimit: LIMIT })

    const fetchFromEngine = async (torrentFile: Uint8Array) => {
      const leecher = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
      swarm.defer(() => stopClient(leecher))
      const dir = await swarm.tempDir('vouch-leecher-')
      const torrent = await withTimeout(
        new Promise<Torrent>((resolve) => leecher.add(torrentFile, { path: dir }, resolve)),
        10_000,
        'leecher ready',
      )
      torrent.addPeer(`127.0.0.1:${engine.port}`)
      return torrent
    }
    const started = Date.now()
    const slowDownload = await fetchFromEngine(limited.torrentFile)
    const fastDownload = await fetchFromEngine(free.torrentFile)
    const slowDone = whenDone(slowDownload, 60_000).then(() => secondsSince(started))
    const fastSeconds = await whenDone(fastDownload, 60_000).then(() => secondsSince(started))

    expect(await slowDone).toBeGreaterThan(AT_LEAST_SECONDS)
    expect(fastSeconds).toBeLessThan(AT_LEAST_SECONDS)
    expect(slowSeed.uploaded).toBeGreaterThanOrEqual(BYTES)
  })

  it('keeps a torrent’s limits across a restart, and lifts one with null', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'kept-limits.bin' })
    const api = await openApi(swarm, { home })
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    await api.call('torrents.setLimits', {
      infoHash: torrent.infoHash,
      downloadLimit: 1000,
      uploadLimit: 2000,
    })
    await api.call('torrents.setLimits', { infoHash: torrent.infoHash, downloadLimit: null })
    await api.backend.close()

    const reopened = await openApi(swarm, { home, resume: true })
    const details = await reopened.call('torrents.details', { infoHash: torrent.infoHash })
    expect(details.limits).toEqual({ downloadLimit: null, uploadLimit: 2000 })
  })

  it('refuses limits for a torrent that is not in the list, naming it', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const infoHash = '0123456789abcdef0123456789abcdef01234567'
    const response = await api.backend.service.dispatcher.dispatch({
      command: 'torrents.setLimits',
      args: { infoHash, uploadLimit: 1024 },
    })
    expect(response).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    if (!response.ok) expect(response.error.message).toContain(infoHash)
  })
})
