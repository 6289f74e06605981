import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import Wire from 'bittorrent-protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebTorrent from 'webtorrent'
import { Defence, type DefenceOptions } from '../../src/defence/defence.ts'
import type { BlockEvidence } from '../../src/defence/ban-store.ts'
import type { BanEvent } from '../../src/defence/events.ts'
import type { Engine } from '../../src/engine/engine.ts'
import {
  adversary,
  behaviours,
  dialFrom,
  sybil,
  total,
  watchCorruption,
  type CorruptionReport,
} from '../kit/adversaries.ts'
import { QUIET_CLIENT, stopClient, Swarm, whenDone, type Payload, type Seeder } from '../kit/swarm.ts'

const PIECE = 32 * 1024
const SLOW = { client: { uploadLimit: 1024 * 1024 } }

interface Outcome {
  engine: Engine
  bans: BanEvent[]
  report: CorruptionReport
  bytesMatch: boolean
}

/** Download `payload` with a Vouch engine from all `seeders`, and report what the defence did. */
async function download(swarm: Swarm, payload: Payload, seeders: Seeder[]): Promise<Outcome> {
  const engine = await swarm.engine()
  const bans: BanEvent[] = []
  engine.events.on('ban', (event) => bans.push(event))
  const out = await swarm.tempDir()
  const torrent = await engine.add(payload.torrentPath, {
    downloadDir: out,
    peers: seeders.map((seeder) => seeder.address),
    remember: false,
  })
  const report = watchCorruption(torrent, payload)
  await whenDone(torrent, 60_000)
  const bytes = await readFile(path.join(out, payload.name))
  return { engine, bans, report, bytesMatch: bytes.equals(payload.bytes) }
}

/** What a reader of the test log wants: the corrupt data the leecher took in before each ban. */
function logCorruption(title: string, outcome: Outcome): void {
  const perHost = [...outcome.report.acceptedCorruptBytes].map(([host, bytes]) => `${host}: ${bytes} B`)
  const bans = outcome.bans.map((ban) => `${ban.address} (${ban.reason})`)
  console.log(
    `[defence] ${title}: corrupt bytes accepted before the ban ${total(outcome.report.acceptedCorruptBytes)}` +
      ` (${perHost.join(', ') || 'none'}); unsolicited bytes ${total(outcome.report.unsolicitedBytes)};` +
      ` bans: ${bans.join(', ') || 'none'}`,
  )
}

function bannedHosts(outcome: Outcome): string[] {
  return outcome.bans.map((ban) => ban.address).sort()
}

describe('poisoned-piece defence', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('bans a peer that corrupts every block after one piece, and no honest seeder', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024, pieceLength: PIECE })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
    const outcome = await download(swarm, payload, [...honest, poisoner])
    logCorruption('corrupts every block', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(bannedHosts(outcome)).toEqual([poisoner.host])
    expect((outcome.bans[0]?.evidence as BlockEvidence | null)?.badDigest).toMatch(/^[0-9a-f]{64}$/)
    expect(outcome.bans[0]?.expiresAt).toBeGreaterThan(Date.now())
    // Its one connection was open when the failed piece proved it (it had just sent the blocks).
    expect(outcome.bans[0]?.connectionsClosed).toBe(1)
    expect(total(outcome.report.acceptedCorruptBytes)).toBeLessThanOrEqual(PIECE)
    expect(outcome.engine.defence?.contribution(poisoner.host)?.piecesBad).toBeGreaterThan(0)
    // Every piece verified, so once the last re-verified piece is judged the ledger holds nothing.
    await vi.waitFor(() => expect(outcome.engine.defence?.ledgerSize()).toEqual({ pieces: 0, blocks: 0 }), {
      timeout: 2000,
    })
    const honestCredit = honest.map(
      (seeder) => outcome.engine.defence?.contribution(seeder.host)?.bytesGood ?? 0,
    )
    expect(honestCredit.reduce((sum, bytes) => sum + bytes, 0)).toBeGreaterThanOrEqual(payload.bytes.length)
  })

  it('bans a peer that corrupts 5% of its blocks, and no honest seeder', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 4 * 1024 * 1024, pieceLength: PIECE })
    // Honest seeders slower than the poisoner, so it serves enough blocks to show its 5%.
    const honest = [await swarm.seeder(payload, SLOW), await swarm.seeder(payload, SLOW)]
    const poisoner = await adversary(swarm, payload, behaviours.corruptsFraction(0.05))
    const outcome = await download(swarm, payload, [...honest, poisoner])
    logCorruption('corrupts 5% of blocks', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(bannedHosts(outcome)).toEqual([poisoner.host])
  })

  it('bans a peer that corrupts one block per piece, and no honest seeder', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024, pieceLength: 4 * 16 * 1024 })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const poisoner = await adversary(swarm, payload, behaviours.corruptsOneBlockPerPiece())
    const outcome = await download(swarm, payload, [...honest, poisoner])
    logCorruption('corrupts one block per piece', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(bannedHosts(outcome)).toEqual([poisoner.host])
  })

  it('bans a peer that earns credit and then turns bad, and no honest seeder', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 4 * 1024 * 1024, pieceLength: PIECE })
    // Honest seeders slower than the adversary, so it earns its credit before the download ends.
    const honest = [await swarm.seeder(payload, SLOW), await swarm.seeder(payload, SLOW)]
    const poisoner = await adversary(swarm, payload, behaviours.turnsBadAfter(8))
    const outcome = await download(swarm, payload, [...honest, poisoner])
    logCorruption('turns bad after 8 pieces', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(bannedHosts(outcome)).toEqual([poisoner.host])
    expect(outcome.engine.defence?.contribution(poisoner.host)?.piecesGood).toBeGreaterThan(0)
    expect(outcome.report.acceptedCorruptBytes.get(poisoner.host)).toBeGreaterThan(0)
  })

  it('bans a sybil by its address: every identity is cut off and a fresh one is refused', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024, pieceLength: PIECE })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const identities = await sybil(swarm, payload, {
      identities: 3,
      behaviour: behaviours.corruptsEveryBlock,
    })
    const host = identities[0]?.host ?? ''
    const outcome = await download(swarm, payload, [...honest, ...identities])
    logCorruption('sybil with 3 identities', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(bannedHosts(outcome)).toEqual([host])
    const [torrent] = outcome.engine.client.torrents
    expect(torrent?.wires.filter((wire) => wire.remoteAddress === host && !wire.destroyed)).toEqual([])
    // Reconnecting with a new peer ID and port from the same address gets nowhere.
    const fresh = await swarm.seeder(payload, { behaviour: behaviours.corruptsEveryBlock(), host })
    expect(torrent?.addPeer(fresh.address)).toBe(false)
    expect(fresh.requestsReceived).toBe(0)
  })

  it('bans a peer that sends blocks it was never asked for', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024, pieceLength: PIECE })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const pusher = await adversary(swarm, payload, behaviours.sendsUnsolicitedBlocks())
    const outcome = await download(swarm, payload, [...honest, pusher])
    logCorruption('sends unsolicited blocks', outcome)
    expect(outcome.bytesMatch).toBe(true)
    expect(outcome.bans.map((ban) => [ban.address, ban.reason])).toEqual([[pusher.host, 'unsolicited']])
    expect(total(outcome.report.acceptedCorruptBytes)).toBe(0)
  })

  it('refuses incoming connections from a banned address, and admits it again once lifted', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024, pieceLength: PIECE })
    const engine = await swarm.engine()
    const seeded = await engine.seed(payload.file, { remember: false })
    expect(await dialFrom('127.0.0.77', engine.port, seeded.infoHash)).toBe('accepted')
    const bans: BanEvent[] = []
    engine.events.on('ban', (event) => bans.push(event))
    engine.defence?.ban('127.0.0.78', { note: 'test' })
    expect(await dialFrom('127.0.0.78', engine.port, seeded.infoHash)).toBe('refused')
    expect(await dialFrom('127.0.0.79', engine.port, seeded.infoHash)).toBe('accepted')
    expect(bans.map((ban) => [ban.address, ban.reason, ban.expiresAt])).toEqual([
      ['127.0.0.78', 'manual', null],
    ])
    expect(engine.client.blocked?.contains('127.0.0.78')).toBe(true)
    engine.defence?.lift('127.0.0.78')
    expect(engine.client.blocked?.contains('127.0.0.78')).toBe(false)
    expect(await dialFrom('127.0.0.78', engine.port, seeded.infoHash)).toBe('accepted')
  })
})

/**
 * A defence on a real WebTorrent client and torrent, fed block by block through real (unconnected)
 * wires, so that a sequence of arrivals and failures too rare to stage with seeders can be pinned.
 */
async function drivenDefence(swarm: Swarm, options: Omit<DefenceOptions, 'client'> = {}) {
  const client = new WebTorrent({ ...QUIET_CLIENT })
  swarm.defer(() => stopClient(client))
  const bans: BanEvent[] = []
  const defence = new Defence({ ...options, client, onBan: (event) => bans.push(event) })
  const payload = await swarm.payload({ bytes: 64 * PIECE, pieceLength: PIECE })
  const torrent = client.add(payload.torrentFile, { path: await swarm.tempDir() })
  defence.attachTorrent(torrent)
  await once(torrent, 'ready')
  const wires: Wire[] = []
  swarm.defer(async () => wires.forEach((wire) => wire.destroy()))
  return {
    defence,
    bans,
    peer(host: string, port: number): Wire {
      const wire = new Wire()
      wire.remoteAddress = host
      wire.remotePort = port
      wire.peerChoking = false
      defence.attachWire(wire, torrent)
      wires.push(wire)
      return wire
    },
    /** `wire` is asked for a block and answers with `fill` bytes. */
    send(wire: Wire, piece: number, offset: number, fill: number): void {
      wire.request(piece, offset, BLOCK, () => {})
      wire._onPiece(piece, offset, new Uint8Array(BLOCK).fill(fill))
    },
    /** What WebTorrent emits when the piece fails its hash. */
    fail(piece: number): void {
      torrent.emit('warning', new Error(`Piece ${piece} failed verification`))
    },
  }
}

const BLOCK = 16 * 1024

describe('defence decisions, block by block', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('bans no one for a burst of failures shared with others, before any piece could re-verify', async () => {
    swarm = new Swarm()
    const driven = await drivenDefence(swarm)
    const honest = driven.peer('127.0.0.2', 6881)
    const turned = driven.peer('127.0.0.3', 6881)
    // A trusted peer turns bad with many pieces in flight that it shares with an honest one.
    for (let piece = 0; piece < 12; piece++) {
      driven.send(honest, piece, 0, 1)
      driven.send(turned, piece, BLOCK, 9)
      driven.fail(piece)
    }
    expect(driven.bans).toEqual([])
    expect(driven.defence.ledgerSize()).toEqual({ pieces: 12, blocks: 24 })
  })

  it('strikes the suspects of evidence it had to drop, by address, whatever port or peer ID', async () => {
    swarm = new Swarm()
    // One instant for all strikes: they decay, so three strikes milliseconds apart add up to 2.99….
    const now = Date.now()
    const driven = await drivenDefence(swarm, {
      ledgerLimits: { maxFailedPieces: 1 },
      policy: { strikeThreshold: 3 },
      now: () => now,
    })
    const honest = driven.peer('127.0.0.2', 6881)
    // Each failure comes from a fresh connection of one host, as a sybil would reconnect.
    for (let piece = 0; piece < 4; piece++) {
      const sybil = driven.peer('127.0.0.3', 7000 + piece)
      driven.send(honest, piece, 0, 1)
      driven.send(sybil, piece, BLOCK, 9)
      driven.fail(piece)
    }
    // Evidence of pieces 0, 1 and 2 was evicted unresolved: three strikes for both suspects.
    expect(driven.bans.map((ban) => [ban.address, ban.reason])).toEqual([
      ['127.0.0.2', 'strikes'],
      ['127.0.0.3', 'strikes'],
    ])
  })

  it('takes a late answer to a block asked again after a timeout as solicited', async () => {
    swarm = new Swarm()
    const driven = await drivenDefence(swarm)
    const slow = driven.peer('127.0.0.2', 6881)
    const timeOut = () => (slow as unknown as { _onTimeout(): void })._onTimeout()
    for (let piece = 0; piece < 4; piece++) {
      slow.request(piece, 0, BLOCK, () => {})
      timeOut()
      // Asked again; the peer answers both requests, the first one late.
      driven.send(slow, piece, 0, 1)
      slow._onPiece(piece, 0, new Uint8Array(BLOCK).fill(1))
    }
    expect(driven.bans).toEqual([])
    expect(driven.defence.contribution('127.0.0.2')?.unsolicitedBlocks ?? 0).toBe(0)
  })

  it('lets a ban expire: client.blocked and incoming connections admit the address again', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024, pieceLength: PIECE })
    const engine = await swarm.engine()
    const seeded = await engine.seed(payload.file, { remember: false })
    // Long enough for the refused dial below to finish before the ban ends, on a slow machine too
    // (a ban of 300 ms could expire while the handshake was still under way).
    const banMs = 2000
    engine.defence?.ban('127.0.0.81', { reason: 'strikes', expiresAt: Date.now() + banMs })
    expect(engine.client.blocked?.contains('127.0.0.81')).toBe(true)
    expect(await dialFrom('127.0.0.81', engine.port, seeded.infoHash)).toBe('refused')
    await vi.waitFor(() => expect(engine.client.blocked?.contains('127.0.0.81')).toBe(false), {
      timeout: banMs + 5000,
    })
    expect(engine.defence?.isBanned('127.0.0.81')).toBe(false)
    expect(await dialFrom('127.0.0.81', engine.port, seeded.infoHash)).toBe('accepted')
  })
})
