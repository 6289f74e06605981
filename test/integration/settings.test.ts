/**
 * Settings through the API over a real engine: saved in HOME, applied at once. Limits are checked
 * from the side that cannot flake on a slow machine: a limited download takes at least about
 * size ÷ limit.
 */
import { copyFile, readFile } from 'node:fs/promises'
import path from 'node:path'
import WebTorrent from 'webtorrent'
import { afterEach, describe, expect, it } from 'vitest'
import { openApi, type OpenedApi } from '../kit/api.ts'
import { QUIET_CLIENT, stopClient, Swarm, whenDone } from '../kit/swarm.ts'

async function viewOf(api: OpenedApi, infoHash: string) {
  const view = (await api.call('torrents.list', {})).find((torrent) => torrent.infoHash === infoHash)
  if (!view) throw new Error(`${infoHash} is not listed`)
  return view
}

describe('settings through the API', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('saves settings in HOME, announces them, and keeps them across a restart', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const api = await openApi(swarm, { home })
    const folder = path.join(await swarm.tempDir(), 'new downloads')
    const saved = await api.call('settings.set', { downloadDir: folder, theme: 'dark', seedRatioLimit: 2 })
    expect(saved).toMatchObject({
      downloadDir: folder,
      theme: 'dark',
      seedRatioLimit: 2,
      notifications: true,
    })
    expect(await api.nextEvent('settings.changed', 1_000)).toEqual(saved)
    expect(JSON.parse(await readFile(path.join(home, 'settings.json'), 'utf8'))).toEqual(saved)
    expect((await api.call('app.info', {})).downloadDir).toBe(folder)

    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'into-the-new-folder.bin' })
    const seeder = await swarm.seeder(payload)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      peers: [seeder.address],
    })
    await whenDone(torrent)
    expect((await readFile(path.join(folder, 'into-the-new-folder.bin'))).equals(payload.bytes)).toBe(true)

    const refused = await api.backend.service.dispatcher.dispatch({
      command: 'settings.set',
      // Under a file: no folder can be made there.
      args: { downloadDir: path.join(payload.file, 'downloads') },
    })
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    expect((await api.call('settings.get', {})).downloadDir).toBe(folder)

    await api.backend.close()
    const reopened = await openApi(swarm, { home })
    expect(await reopened.call('settings.get', {})).toEqual(saved)
    expect(reopened.backend.engine.downloadDir).toBe(folder)
  })

  it('holds a download under the global limit: it takes at least about size ÷ limit', async () => {
    swarm = new Swarm()
    const bytes = 512 * 1024
    const limit = 128 * 1024
    const payload = await swarm.payload({ bytes })
    const seeder = await swarm.seeder(payload)
    const api = await openApi(swarm)
    await api.call('settings.set', { downloadLimit: limit })
    const started = Date.now()
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      peers: [seeder.address],
    })
    await whenDone(torrent, 30_000)
    const seconds = (Date.now() - started) / 1000
    // 4 s at the limit; a burst at the start of the throttle may save a little of it.
    expect(seconds).toBeGreaterThan(0.75 * (bytes / limit))
  })

  it('queues downloads past the maximum and starts the next one when a slot frees', async () => {
    swarm = new Swarm()
    const first = await swarm.payload({ bytes: 256 * 1024, name: 'first.bin' })
    const second = await swarm.payload({ bytes: 256 * 1024, name: 'second.bin' })
    const firstSeeder = await swarm.seeder(first, { client: { uploadLimit: 128 * 1024 } })
    const secondSeeder = await swarm.seeder(second)
    const api = await openApi(swarm)
    await api.call('settings.set', { maxActiveDownloads: 1 })
    const a = await api.backend.engine.add(first.torrentPath, {
      allowUnsigned: true,
      peers: [firstSeeder.address],
    })
    const b = await api.backend.engine.add(second.torrentPath, {
      allowUnsigned: true,
      peers: [secondSeeder.address],
    })
    expect(await viewOf(api, b.infoHash)).toMatchObject({ state: 'queued', paused: false, downloadSpeed: 0 })
    await expect.poll(() => a.progress, { timeout: 10_000 }).toBeGreaterThan(0.2)
    expect(secondSeeder.requestsReceived).toBe(0)
    expect(b.wires.length).toBe(0)
    await whenDone(a)
    await whenDone(b)
    expect(secondSeeder.requestsReceived).toBeGreaterThan(0)
    expect(await viewOf(api, b.infoHash)).toMatchObject({ state: 'seeding' })
  })

  it('pauses a seed once it reaches the seed ratio limit', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'shared.bin' })
    const api = await openApi(swarm)
    await api.call('settings.set', { seedRatioLimit: 0.5 })
    await copyFile(payload.file, path.join(api.backend.engine.downloadDir, 'shared.bin'))
    const seed = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    await whenDone(seed)
    expect((await viewOf(api, seed.infoHash)).state).toBe('seeding')

    const leecher = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
    swarm.defer(() => stopClient(leecher))
    const leeching = leecher.add(payload.torrentFile, { path: await swarm.tempDir() })
    leeching.once('infoHash', () => leeching.addPeer(`127.0.0.1:${api.backend.engine.port}`))
    await expect
      .poll(async () => (await viewOf(api, seed.infoHash)).state, { timeout: 20_000 })
      .toBe('paused')
    const view = await viewOf(api, seed.infoHash)
    expect(view.ratio).toBeGreaterThanOrEqual(0.5)
    expect(
      api.events.some((m) => m.event === 'notice' && m.payload.message.includes('seed ratio limit')),
    ).toBe(true)
  })
})
