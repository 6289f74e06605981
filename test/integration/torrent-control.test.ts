/**
 * Pause, resume, remove with data, duplicates and the numbers a torrent shows, through the API
 * contract over a real engine and loopback seeders.
 */
import { access, readFile, readdir, statfs, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openApi, type OpenedApi } from '../kit/api.ts'
import { Swarm, whenDone } from '../kit/swarm.ts'

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  )

async function viewOf(api: OpenedApi, infoHash: string) {
  const view = (await api.call('torrents.list', {})).find((torrent) => torrent.infoHash === infoHash)
  if (!view) throw new Error(`${infoHash} is not listed`)
  return view
}

describe('pause, resume and remove through the API', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('pauses: no connection stays open and the seeder gets no request; resume finishes the download', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024 })
    // Slow enough that the pause lands mid-download (about 5 s for the whole file).
    const seeder = await swarm.seeder(payload, { client: { uploadLimit: 200 * 1024 } })
    const api = await openApi(swarm)
    const added = await api.call('torrents.addFile', {
      fileName: 'payload.torrent',
      contentBase64: base64(payload.torrentFile),
      allowUnsigned: true,
      peers: [seeder.address],
    })
    expect(added).toMatchObject({ status: 'added', duplicate: false })
    if (added.status !== 'added') throw new Error('refused')
    const torrent = await api.backend.engine.client.get(added.infoHash)
    if (!torrent) throw new Error('not in the client')
    await expect.poll(() => torrent.progress, { timeout: 15_000 }).toBeGreaterThan(0.1)
    expect(torrent.progress).toBeLessThan(0.8)

    const paused = await api.call('torrents.pause', { infoHash: added.infoHash })
    expect(paused).toMatchObject({ state: 'paused', paused: true, downloadSpeed: 0, uploadSpeed: 0 })
    expect(paused.timeRemaining).toBeNull()
    await expect.poll(() => seeder.torrent.wires.length, { timeout: 5_000 }).toBe(0)
    const requestsAtPause = seeder.requestsReceived
    const progressAtPause = torrent.progress
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(seeder.requestsReceived).toBe(requestsAtPause)
    expect(seeder.torrent.wires.length).toBe(0)
    expect(torrent.progress).toBe(progressAtPause)
    expect(await viewOf(api, added.infoHash)).toMatchObject({ state: 'paused', downloadSpeed: 0 })
    expect(api.backend.engine.remembered()[0]).toMatchObject({ paused: true, peers: [seeder.address] })

    // Adding it again says so, and does not resume it.
    const again = await api.call('torrents.addFile', {
      fileName: 'payload.torrent',
      contentBase64: base64(payload.torrentFile),
      allowUnsigned: true,
    })
    expect(again).toMatchObject({ status: 'added', infoHash: added.infoHash, duplicate: true })
    expect((await viewOf(api, added.infoHash)).state).toBe('paused')

    // Resume dials the peer added by hand again.
    const resumed = await api.call('torrents.resume', { infoHash: added.infoHash })
    expect(resumed).toMatchObject({ state: 'downloading', paused: false })
    await whenDone(torrent, 30_000)
    const done = await viewOf(api, added.infoHash)
    expect(done).toMatchObject({ state: 'seeding', done: true, downloadSpeed: 0, timeRemaining: null })
    expect(done.savePath).toBe((await api.call('app.info', {})).downloadDir)
    expect(done.ratio).toBeCloseTo(done.uploaded / done.downloaded, 9)
    expect(Math.abs(done.addedAt - Date.now())).toBeLessThan(60_000)
    expect(api.backend.engine.remembered()[0]?.paused).toBe(false)
  })

  it('removes with deleteData: the torrent’s files go, the save path and everything else stay', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'release.bin' })
    const seeder = await swarm.seeder(payload)
    const api = await openApi(swarm)
    const downloadDir = await swarm.tempDir('vouch-downloads-')
    await writeFile(path.join(downloadDir, 'keep-me.txt'), 'not the torrent’s')
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      downloadDir,
      peers: [seeder.address],
    })
    await whenDone(torrent)
    const file = path.join(downloadDir, 'release.bin')
    expect((await readFile(file)).equals(payload.bytes)).toBe(true)

    expect(await api.call('torrents.remove', { infoHash: torrent.infoHash, deleteData: true })).toEqual({
      removed: true,
    })
    expect(await exists(file)).toBe(false)
    expect(await readdir(downloadDir)).toEqual(['keep-me.txt'])
    expect(await api.call('torrents.list', {})).toEqual([])
    expect(api.backend.engine.remembered()).toEqual([])
    await api.nextEvent('torrent.removed', 1_000)
  })

  it('removes without deleteData and leaves the files', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 128 * 1024, name: 'kept.bin' })
    const seeder = await swarm.seeder(payload)
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      peers: [seeder.address],
    })
    await whenDone(torrent)
    await api.call('torrents.remove', { infoHash: torrent.infoHash })
    const { downloadDir } = await api.call('app.info', {})
    expect((await readFile(path.join(downloadDir, 'kept.bin'))).equals(payload.bytes)).toBe(true)
  })

  it('shows a held magnet as held, with no speed and no time remaining, even while metadata flows', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024 })
    const seeder = await swarm.seeder(payload)
    const api = await openApi(swarm)
    const infoHash = seeder.torrent.infoHash
    const metadata = api.backend.engine.events.waitFor('metadata', (e) => e.infoHash === infoHash, 20_000)
    await api.call('torrents.add', { source: `magnet:?xt=urn:btih:${infoHash}`, peers: [seeder.address] })
    await metadata
    const view = await viewOf(api, infoHash)
    expect(view).toMatchObject({ state: 'held', downloadSpeed: 0, uploadSpeed: 0, timeRemaining: null })
    expect(seeder.requestsReceived).toBe(0)
  })

  it('reports the status bar: total speeds, DHT nodes and free disk of the download folder', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024 })
    const seeder = await swarm.seeder(payload, { client: { uploadLimit: 256 * 1024 } })
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      peers: [seeder.address],
    })
    await expect
      .poll(async () => (await api.call('app.status', {})).downloadSpeed, { timeout: 10_000 })
      .toBeGreaterThan(0)
    await whenDone(torrent)
    const status = await api.call('app.status', {})
    const disk = await statfs(status.downloadDir)
    expect(status.downloadDir).toBe(api.backend.engine.downloadDir)
    expect(status.dhtNodes).toBe(0)
    expect(Math.abs((status.freeDiskBytes ?? 0) - disk.bavail * disk.bsize)).toBeLessThan(256 * 1024 * 1024)
    expect(status.downloadSpeed).toBe(0)
  })

  it('answers pause and resume of a torrent not in the list with bad-input', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    for (const command of ['torrents.pause', 'torrents.resume'] as const) {
      const response = await api.backend.service.dispatcher.dispatch({
        command,
        args: { infoHash: 'ab'.repeat(20) },
      })
      expect(response, command).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    }
  })
})
