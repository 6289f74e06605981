/**
 * The details pane's commands over a real engine: files with priorities (checked at the seeder),
 * this torrent's peers, trackers with their status, the pieces map, add a peer and re-announce.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hasBit } from '../../src/rules/bits.ts'
import { openApi } from '../kit/api.ts'
import { makeFolderPayload, Swarm, whenReady } from '../kit/swarm.ts'

const PIECE = 32 * 1024

describe('torrent details through the API', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('never requests a skipped file’s pieces (counted at the seeder) and shows files, peers and pieces', async () => {
    swarm = new Swarm()
    // Piece-aligned files: a.bin is pieces 0-2, b.bin 3-4, c.bin 5-7.
    const payload = await makeFolderPayload(
      { 'a.bin': 3 * PIECE, 'b.bin': 2 * PIECE, 'c.bin': 3 * PIECE },
      { pieceLength: PIECE },
    )
    const requested = new Set<number>()
    const seeder = await swarm.seeder(payload, {
      behaviour: (wire) => wire.on('request', (piece: number) => requested.add(piece)),
    })
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    await whenReady(torrent, 10_000)
    const infoHash = torrent.infoHash
    const before = await api.call('torrents.details', { infoHash })
    expect(before.files.map((file) => [file.path, file.priority])).toEqual([
      [path.join('folder', 'a.bin'), 'normal'],
      [path.join('folder', 'b.bin'), 'normal'],
      [path.join('folder', 'c.bin'), 'normal'],
    ])
    const skipped = await api.call('torrents.setFiles', { infoHash, files: [{ index: 1, priority: 'skip' }] })
    expect(skipped.files[1]?.priority).toBe('skip')
    expect(api.backend.engine.remembered()[0]?.files).toEqual(['normal', 'skip', 'normal'])

    expect(await api.call('torrents.addPeer', { infoHash, address: seeder.address })).toEqual({ added: true })
    // A file's progress counts blocks received, and a piece's bit is set only once its hash is
    // checked, a moment later: wait for both.
    const progressAndPieces = async () => {
      const now = await api.call('torrents.details', { infoHash })
      const bitfield = Buffer.from(now.pieces, 'base64')
      return {
        files: now.files.map((file) => file.progress),
        pieces: [0, 1, 2, 3, 4, 5, 6, 7].map((index) => hasBit(bitfield, index)),
      }
    }
    await expect
      .poll(progressAndPieces, { timeout: 20_000 })
      .toEqual({ files: [1, 0, 1], pieces: [true, true, true, false, false, true, true, true] })
    const details = await api.call('torrents.details', { infoHash })
    expect([...requested].sort()).toEqual([0, 1, 2, 5, 6, 7])
    expect(details).toMatchObject({ infoHash, pieceLength: PIECE, pieceCount: 8 })
    expect(details.savePath).toBe((await api.call('app.info', {})).downloadDir)
    const downloaded = path.join(details.savePath, 'folder', 'a.bin')
    expect((await readFile(downloaded)).equals(payload.files[0]?.bytes ?? Buffer.alloc(0))).toBe(true)
    const peer = details.peers.find((p) => p.address === seeder.host)
    expect(peer).toMatchObject({
      port: seeder.port,
      client: expect.stringMatching(/^WebTorrent/),
      banned: false,
      progress: 1,
      flags: { incoming: false },
    })
    expect(peer?.downloaded).toBeGreaterThanOrEqual(6 * PIECE)
    const row = (await api.call('peers.list', {})).find((p) => p.address === seeder.host)
    expect(row).toMatchObject({
      connected: true,
      client: expect.stringMatching(/^WebTorrent/),
      torrents: [{ infoHash, name: 'folder' }],
      banned: false,
    })

    // Wanted again: only now are its pieces requested.
    await api.call('torrents.setFiles', { infoHash, files: [{ index: 1, priority: 'high' }] })
    await expect
      .poll(async () => (await api.call('torrents.details', { infoHash })).files[1]?.progress, {
        timeout: 20_000,
      })
      .toBe(1)
    expect([...requested].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('refuses file priorities for a file the torrent does not have', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    await whenReady(torrent, 10_000)
    const response = await api.backend.service.dispatcher.dispatch({
      command: 'torrents.setFiles',
      args: { infoHash: torrent.infoHash, files: [{ index: 5, priority: 'skip' }] },
    })
    expect(response).toMatchObject({
      ok: false,
      error: { code: 'bad-input', message: expect.stringContaining('no file 5') },
    })
  })

  it('shows each tracker’s status and announces again on reannounce', async () => {
    swarm = new Swarm()
    const tracker = await swarm.tracker()
    let announces = 0
    for (const event of ['start', 'update', 'complete'] as const) tracker.server.on(event, () => announces++)
    const payload = await swarm.payload({ bytes: 64 * 1024, announce: [tracker.announceUrl] })
    const api = await openApi(swarm, { tracker: true })
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    const infoHash = torrent.infoHash
    await expect
      .poll(async () => (await api.call('torrents.details', { infoHash })).trackers, { timeout: 10_000 })
      .toEqual([
        {
          url: tracker.announceUrl,
          status: 'working',
          peers: 1,
          lastAnnounce: expect.any(Number),
          error: null,
        },
      ])
    const seen = announces
    expect(await api.call('torrents.reannounce', { infoHash })).toEqual({ ok: true })
    await expect.poll(() => announces, { timeout: 10_000 }).toBeGreaterThan(seen)

    const dead = await swarm.payload({ bytes: 64 * 1024, announce: ['http://127.0.0.1:1/announce'] })
    const unreachable = await api.backend.engine.add(dead.torrentPath, { allowUnsigned: true })
    await expect
      .poll(
        async () => (await api.call('torrents.details', { infoHash: unreachable.infoHash })).trackers[0],
        {
          timeout: 15_000,
        },
      )
      .toMatchObject({ status: 'error', error: expect.any(String) })
  })

  it('says trackers are disabled, and refuses to reannounce, when the engine has neither trackers nor DHT', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024, announce: ['http://127.0.0.1:1/announce'] })
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, { allowUnsigned: true })
    const details = await api.call('torrents.details', { infoHash: torrent.infoHash })
    expect(details.trackers).toEqual([
      {
        url: 'http://127.0.0.1:1/announce',
        status: 'disabled',
        peers: null,
        lastAnnounce: null,
        error: null,
      },
    ])
    const response = await api.backend.service.dispatcher.dispatch({
      command: 'torrents.reannounce',
      args: { infoHash: torrent.infoHash },
    })
    expect(response).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })
})
