/**
 * What a restart keeps (src/engine/torrent-list.ts), across a real close and reopen of the same
 * HOME: held magnets stay held, peers added by hand are dialled again, paused stays paused, file
 * priorities stay.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openApi, type OpenedApi } from '../kit/api.ts'
import { makeFolderPayload, Swarm } from '../kit/swarm.ts'

async function viewOf(api: OpenedApi, infoHash: string) {
  const view = (await api.call('torrents.list', {})).find((torrent) => torrent.infoHash === infoHash)
  if (!view) throw new Error(`${infoHash} is not listed`)
  return view
}

describe('a restart keeps', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('a held magnet, still held, with the peer given by hand', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const seeder = await swarm.seeder(payload)
    const infoHash = seeder.torrent.infoHash
    const home = await swarm.tempDir('vouch-home-')
    const first = await openApi(swarm, { home, resume: true })
    const metadata = first.backend.engine.events.waitFor('metadata', (e) => e.infoHash === infoHash, 20_000)
    await first.call('torrents.add', { source: `magnet:?xt=urn:btih:${infoHash}`, peers: [seeder.address] })
    await metadata
    expect((await viewOf(first, infoHash)).state).toBe('held')
    await first.backend.close()

    const second = await openApi(swarm, { home, resume: true })
    expect(await viewOf(second, infoHash)).toMatchObject({ state: 'held', provenance: { status: 'held' } })
    expect(second.backend.engine.manualPeers(infoHash)).toEqual([seeder.address])
    expect(seeder.requestsReceived).toBe(0)
  })

  it('the Activity history: samples taken before the restart are read back after it', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const first = await openApi(swarm, { home })
    await first.nextEvent('stats.sample', 5_000)
    await expect
      .poll(async () => (await first.call('stats.history', {})).length, { timeout: 5_000 })
      .toBeGreaterThan(1)
    const before = await first.call('stats.history', {})
    await first.backend.close()

    const second = await openApi(swarm, { home })
    const after = await second.call('stats.history', {})
    expect(after.slice(0, before.length)).toEqual(before)
  })

  it('peers added by hand, pause and file priorities: the download finishes after the restart', async () => {
    swarm = new Swarm()
    const payload = await makeFolderPayload(
      { 'a.bin': 64 * 1024, 'b.bin': 64 * 1024 },
      { pieceLength: 32 * 1024 },
    )
    const requested = new Set<number>()
    const seeder = await swarm.seeder(payload, {
      behaviour: (wire) => wire.on('request', (piece: number) => requested.add(piece)),
    })
    const home = await swarm.tempDir('vouch-home-')
    const first = await openApi(swarm, { home, resume: true })
    const added = await first.call('torrents.addFile', {
      fileName: 'folder.torrent',
      contentBase64: Buffer.from(payload.torrentFile).toString('base64'),
      allowUnsigned: true,
    })
    if (added.status !== 'added') throw new Error('refused')
    const { infoHash } = added
    await first.call('torrents.pause', { infoHash })
    await expect
      .poll(async () => (await first.call('torrents.details', { infoHash })).files.length, {
        timeout: 10_000,
      })
      .toBe(2)
    await first.call('torrents.setFiles', { infoHash, files: [{ index: 1, priority: 'skip' }] })
    await first.call('torrents.addPeer', { infoHash, address: seeder.address })
    expect(requested.size).toBe(0)
    await first.backend.close()

    const second = await openApi(swarm, { home, resume: true })
    expect(await viewOf(second, infoHash)).toMatchObject({ state: 'paused', paused: true })
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(requested.size).toBe(0)
    await second.call('torrents.resume', { infoHash })
    await expect
      .poll(
        async () =>
          (await second.call('torrents.details', { infoHash })).files.map((f) => [f.priority, f.progress]),
        {
          timeout: 20_000,
        },
      )
      .toEqual([
        ['normal', 1],
        ['skip', 0],
      ])
    expect([...requested].sort()).toEqual([0, 1])
  })
})
