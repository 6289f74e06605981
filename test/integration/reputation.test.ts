import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebTorrent, { type Torrent } from 'webtorrent'
import { parseBlocklist } from '../../src/reputation/blocklist.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { openReputation, type Reputation } from '../../src/reputation/wiring.ts'
import { dialFrom } from '../kit/adversaries.ts'
import {
  nextLoopbackAddress,
  QUIET_CLIENT,
  stopClient,
  Swarm,
  whenDone,
  wireFrom,
  withTimeout,
} from '../kit/swarm.ts'

describe('the reputation store attached to an engine', () => {
  let swarm: Swarm
  const opened: Reputation[] = []
  afterEach(async () => {
    await swarm.close()
    for (const reputation of opened.splice(0)) reputation.close()
  })

  async function engineWithReputation(home: string) {
    const reputation = await openReputation(home)
    opened.push(reputation)
    const engine = await swarm.engine({ home, ...reputation.engineOptions() })
    reputation.connect(engine)
    return { engine, reputation }
  }

  it('keeps a banned peer out from the first connection after a restart, outgoing and incoming', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const seeder = await swarm.seeder(payload)
    const home = await swarm.tempDir('vouch-home-')

    const first = await openReputation(home)
    first.store.add({
      address: seeder.host,
      rangeEnd: null,
      reason: 'manual',
      source: 'manual',
      evidence: null,
      note: 'before the restart',
      createdAt: Date.now(),
      expiresAt: null,
    })
    first.close()

    const { engine } = await engineWithReputation(home)
    // Listened for from WebTorrent's own `add`: the dial may be refused before engine.add returns.
    const refused = new Promise<void>((resolve) =>
      engine.client.once('add', (added: Torrent) => added.once('blockedPeer', () => resolve())),
    )
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: await swarm.tempDir(),
      peers: [seeder.address],
      remember: false,
    })
    await withTimeout(refused, 10_000, 'the banned seeder to be refused')
    expect(torrent.wires.some((wire) => wire.remoteAddress === seeder.host)).toBe(false)
    expect(seeder.requestsReceived).toBe(0)
    expect(await dialFrom(seeder.host, engine.port, torrent.infoHash)).toBe('refused')
    expect(await dialFrom(nextLoopbackAddress(), engine.port, torrent.infoHash)).toBe('accepted')
  })

  it('disconnects a connected peer as soon as an imported blocklist lists it', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    // A leecher with no data keeps its connection open, so the test sees a live wire close.
    const host = nextLoopbackAddress()
    const peer = new WebTorrent({ ...QUIET_CLIENT })
    swarm.defer(() => stopClient(peer))
    const empty = await swarm.tempDir()
    await withTimeout(
      new Promise<void>((resolve) => peer.add(payload.torrentFile, { path: empty }, () => resolve())),
      10_000,
      'empty peer ready',
    )
    const { engine, reputation } = await engineWithReputation(await swarm.tempDir('vouch-home-'))
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: await swarm.tempDir(),
      peers: [`${host}:${peer.address()?.port}`],
      remember: false,
    })
    const wire = await wireFrom(torrent, host)
    expect(wire.destroyed).toBe(false)

    const closed = new Promise<void>((resolve) => wire.once('close', () => resolve()))
    const list = parseBlocklist(`# test list\nbad peers:${host}-${host}\n`)
    const started = Date.now()
    expect(reputation.store.importBans(list.entries, { subject: 'list.p2p' })).toHaveLength(1)
    await withTimeout(closed, 2_000, 'the listed peer to be disconnected')
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(torrent.wires.some((w) => w.remoteAddress === host && !w.destroyed)).toBe(false)
    reputation.store.flush()
    const events = [...auditRows(reputation.store.database)]
    expect(events.map((event) => [event.type, event.subject])).toEqual([['ban.imported', 'list.p2p']])
  })

  it('records what each peer contributed: verified pieces from the defence, bytes sent to it, its name', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024, pieceLength: 32 * 1024 })
    const seeder = await swarm.seeder(payload)
    const { engine, reputation } = await engineWithReputation(await swarm.tempDir('vouch-home-'))
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [seeder.address],
      remember: false,
    })
    await whenDone(torrent)

    // Seed it on to a plain WebTorrent leecher dialing from 127.0.0.1.
    const leecher = new WebTorrent({ ...QUIET_CLIENT })
    swarm.defer(() => stopClient(leecher))
    const leecherOut = path.join(await swarm.tempDir(), 'out')
    await mkdir(leecherOut)
    const copy = leecher.add(payload.torrentFile, { path: leecherOut })
    copy.once('infoHash', () => copy.addPeer(`127.0.0.1:${engine.port}`))
    await whenDone(copy)

    const peers = reputation.store.peers()
    const fromSeeder = peers.find((peer) => peer.address === seeder.host)
    expect(fromSeeder).toMatchObject({ piecesGood: 32, piecesBad: 0, bytesDown: 1024 * 1024 })
    expect(fromSeeder?.peerIds).toEqual([seeder.client.peerId])
    expect(fromSeeder?.score).toBeGreaterThan(31)
    const toLeecher = peers.find((peer) => peer.address === '127.0.0.1')
    expect(toLeecher?.bytesUp).toBeGreaterThanOrEqual(1024 * 1024)
    expect(toLeecher?.peerIds).toContain(leecher.peerId)
  })
})
