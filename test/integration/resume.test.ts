import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type Wire from 'bittorrent-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { Torrent } from 'webtorrent'
import type { Engine } from '../../src/engine/engine.ts'
import { PROJECT_ROOT, VouchProcess } from '../kit/cli.ts'
import { Swarm, whenDone, whenReady, withTimeout, type Seeder } from '../kit/swarm.ts'

const PIECE = 32 * 1024
const PIECES = 128

/** Every piece index the seeder is asked for from now on. */
function recordRequests(seeder: Seeder): Set<number> {
  const requested = new Set<number>()
  const watch = (wire: Wire) => wire.on('request', (piece: number) => requested.add(piece))
  for (const wire of seeder.torrent.wires) watch(wire)
  seeder.torrent.on('wire', watch)
  return requested
}

function verifiedPieces(torrent: Torrent): Set<number> {
  const pieces = new Set<number>()
  for (let index = 0; index < torrent.pieces.length; index++)
    if (torrent.bitfield.get(index)) pieces.add(index)
  return pieces
}

/** A seeder slowed so a first session can be stopped part-way, and fresh home and output dirs. */
async function slowSeeder(swarm: Swarm) {
  const payload = await swarm.payload({ bytes: PIECES * PIECE, pieceLength: PIECE })
  const seeder = await swarm.seeder(payload)
  seeder.client.throttleUpload(1024 * 1024)
  const home = await swarm.tempDir('vouch-resume-home-')
  const out = await swarm.tempDir('vouch-resume-out-')
  return { payload, seeder, home, out }
}

function untilQuarterVerified(torrent: Torrent): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      torrent.on('verified', () => {
        if (verifiedPieces(torrent).size >= PIECES / 4) resolve()
      })
    }),
    30_000,
    'a quarter of the pieces in the first session',
  )
}

/** Reopen the engine on `home` and finish the remembered download from `seeder`. */
async function resumeAndFinish(
  swarm: Swarm,
  home: string,
  seeder: Seeder,
  verifiedBefore: Set<number>,
): Promise<{ engine: Engine; torrent: Torrent; requested: Set<number> }> {
  const engine = await swarm.engine({ home, resume: true })
  const [torrent] = engine.client.torrents
  expect(torrent, 'the persisted list brings the torrent back').toBeDefined()
  if (!torrent) throw new Error('unreachable')
  await whenReady(torrent)
  // Before any peer is connected, the pieces verified last time are already known from disk.
  const onDisk = verifiedPieces(torrent)
  for (const piece of verifiedBefore) expect(onDisk.has(piece), `piece ${piece} survived`).toBe(true)
  const requested = recordRequests(seeder)
  // Peers given by address are not persisted; add the seeder again through the normal add path.
  const again = await engine.add(path.join(seeder.torrent.path, `${seeder.torrent.name}.torrent`), {
    peers: [seeder.address],
  })
  expect(again).toBe(torrent)
  await whenDone(torrent, 30_000)
  return { engine, torrent, requested }
}

describe('resuming a download after a restart', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('after a clean stop, resumes from the persisted list without refetching verified pieces', async () => {
    swarm = new Swarm()
    const { payload, seeder, home, out } = await slowSeeder(swarm)

    const first = await swarm.engine({ home, resume: true })
    const torrent = await first.add(payload.torrentPath, { downloadDir: out, peers: [seeder.address] })
    await untilQuarterVerified(torrent)
    await first.close()
    const verifiedBefore = verifiedPieces(torrent)
    expect(verifiedBefore.size).toBeGreaterThanOrEqual(PIECES / 4)
    expect(verifiedBefore.size).toBeLessThan(PIECES)
    seeder.client.throttleUpload(-1)

    const { torrent: resumed, requested } = await resumeAndFinish(swarm, home, seeder, verifiedBefore)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
    const refetched = [...requested].filter((piece) => verifiedBefore.has(piece))
    expect(refetched, 'pieces verified before the restart were requested again').toEqual([])
    expect(requested.size).toBeLessThanOrEqual(PIECES - verifiedBefore.size)
    // `received` counts wire bytes: the missing pieces plus message headers (13 bytes a block).
    const missingBytes = (PIECES - verifiedBefore.size) * PIECE
    expect(resumed.received).toBeLessThanOrEqual(missingBytes * 1.02 + 16 * 1024)
  })

  it('resumes a magnet from the .torrent it stored once the metadata arrived', async () => {
    swarm = new Swarm()
    const { payload, seeder, home, out } = await slowSeeder(swarm)

    const first = await swarm.engine({ home, resume: true })
    const torrent = await first.add(seeder.torrent.magnetURI, {
      downloadDir: out,
      peers: [seeder.address],
      allowUnsigned: true,
    })
    await untilQuarterVerified(torrent)
    await first.close()
    const verifiedBefore = verifiedPieces(torrent)
    const [remembered] = first.remembered()
    expect(remembered?.torrentFile, 'the metadata was stored as a .torrent').toMatch(/\.torrent$/)
    seeder.client.throttleUpload(-1)

    const { requested } = await resumeAndFinish(swarm, home, seeder, verifiedBefore)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
    expect([...requested].filter((piece) => verifiedBefore.has(piece))).toEqual([])
  })

  it('after the process is killed (SIGKILL), resumes and completes', async () => {
    swarm = new Swarm()
    const { payload, seeder, home, out } = await slowSeeder(swarm)

    const child = new VouchProcess([home, payload.torrentPath, out, seeder.address], {
      script: path.join(PROJECT_ROOT, 'test', 'kit', 'engine-process.ts'),
    })
    swarm.defer(async () => void (await child.stop('SIGKILL')))
    const verifiedBefore = new Set<number>()
    await child.line(
      (line) => {
        const event = JSON.parse(line) as { event: string; piece?: number }
        if (event.event === 'verified' && event.piece !== undefined) verifiedBefore.add(event.piece)
        return verifiedBefore.size >= PIECES / 4
      },
      30_000,
      'a quarter of the pieces in the child',
    )
    const killed = await child.stop('SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    expect(verifiedBefore.size).toBeLessThan(PIECES)
    seeder.client.throttleUpload(-1)

    const { requested } = await resumeAndFinish(swarm, home, seeder, verifiedBefore)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
    const refetched = [...requested].filter((piece) => verifiedBefore.has(piece))
    expect(refetched, 'pieces verified before the kill were requested again').toEqual([])
  })
})
