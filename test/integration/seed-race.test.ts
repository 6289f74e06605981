/**
 * A seed of local data made while another seed of the same data, or an add of the torrent that
 * data makes, is under way answers what it would answer made afterwards: the torrent already
 * running. WebTorrent is never handed the infohash twice. Before, the seed went straight to
 * client.seed, outside the add queue: an add whose download folder was being made while the seed
 * finished hashing gave WebTorrent a second copy, which died with "Cannot add duplicate torrent",
 * came back to the add's caller destroyed and left an error row (the sweep below; docs/decisions.md,
 * "Concurrent adds of one torrent"). Two seeds at once did not break before; they are a guard.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { Torrent } from 'webtorrent'
import type { AddOutcome, Engine } from '../../src/engine/engine.ts'
import { parseTorrentBytes } from '../../src/engine/source.ts'
import { makeFolderPayload, Swarm, tempDir, withTimeout, type Payload } from '../kit/swarm.ts'

/** The kit's .torrent files use 32 KiB pieces: a seed with the same length makes the same infohash. */
const PIECE_LENGTH = 32 * 1024

/** WebTorrent destroys a duplicate a tick or more after it has its infohash: time for that to show. */
const SETTLE_MS = 300

/**
 * Every call settled (bounded), then SETTLE_MS more, with the engine errors seen meanwhile; a
 * rejected call fails the test with its reason.
 */
async function raced<T extends unknown[]>(
  engine: Engine,
  calls: { [K in keyof T]: Promise<T[K]> },
  settleMs = SETTLE_MS,
): Promise<{ results: T; errors: string[] }> {
  const errors: string[] = []
  const off = engine.events.on('error', (event) => errors.push(event.message))
  try {
    const settled = await withTimeout(Promise.allSettled(calls), 20_000, 'the racing seeds and adds')
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    const results = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason
      return result.value
    })
    return { results: results as T, errors }
  } finally {
    off()
  }
}

/** How many turns of the event loop apart the racing calls start, at most, in the sweep. */
const TURNS = 40

/** The engine holds `torrent` alone, running, with no error row (and one resume entry, if `remembered`). */
function expectOneRunning(engine: Engine, torrent: Torrent, infoHash: string, remembered = true): void {
  expect(torrent.destroyed).toBe(false)
  expect(torrent.infoHash).toBe(infoHash)
  expect(engine.client.torrents).toEqual([torrent])
  expect(engine.stats()).toEqual([expect.objectContaining({ infoHash, error: null })])
  expect(engine.remembered().map((entry) => entry.infoHash)).toEqual(remembered ? [infoHash] : [])
}

describe('seeds racing seeds and adds of the same torrent', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  async function folderPayload(): Promise<Payload> {
    const payload = await makeFolderPayload({ 'a.bin': 40 * 1024, 'b.bin': 100 * 1024, 'c.bin': 7 })
    swarm.defer(() => rm(payload.dir, { recursive: true, force: true }))
    return payload
  }

  it.each([
    ['file', (s: Swarm) => s.payload({ bytes: 256 * 1024 })],
    ['directory', () => folderPayload()],
  ])('two seeds of one %s at once make one torrent, and both get it', async (_, makeData) => {
    swarm = new Swarm()
    const payload = await makeData(swarm)
    const engine = await swarm.engine()
    const { infoHash } = await parseTorrentBytes(payload.torrentFile)
    const seed = () => engine.seed(payload.file, { pieceLength: PIECE_LENGTH })

    const { results, errors } = await raced<[Torrent, Torrent]>(engine, [seed(), seed()])

    const [first, second] = results
    expect(second).toBe(first)
    expectOneRunning(engine, first, infoHash)
    expect(errors).toEqual([])
    expect(first.progress).toBe(1)
    // What sequential calls made afterwards answer.
    expect(await seed()).toBe(first)
    expect(await engine.addOutcome(payload.torrentPath)).toEqual({ torrent: first, existing: true })
    expect(engine.client.torrents).toEqual([first])
  })

  it.each([
    ['the seed called first', true],
    ['the add called first', false],
  ])('a seed of the data and an add of its .torrent at once make one torrent (%s)', async (_, seedFirst) => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const engine = await swarm.engine()
    const { infoHash } = await parseTorrentBytes(payload.torrentFile)
    const seed = () => engine.seed(payload.file, { pieceLength: PIECE_LENGTH })
    // The data sits where the add looks for it (as `vouch seed x.torrent` adds it).
    const add = () => engine.addOutcome(payload.torrentPath, { downloadDir: payload.dir })

    const { results, errors } = seedFirst
      ? await raced<[Torrent, AddOutcome]>(engine, [seed(), add()])
      : await raced<[AddOutcome, Torrent]>(engine, [add(), seed()]).then(
          ({ results: [added, seeded], errors }) => ({
            results: [seeded, added] as const,
            errors,
          }),
        )

    const [seeded, added] = results
    expect(added.torrent).toBe(seeded)
    expectOneRunning(engine, seeded, infoHash)
    expect(errors).toEqual([])
    // What sequential calls made afterwards answer.
    expect(await engine.addOutcome(payload.torrentPath)).toEqual({ torrent: seeded, existing: true })
    expect(await seed()).toBe(seeded)
    expect(engine.client.torrents).toEqual([seeded])
  })

  it.each([
    ['the add started while the seed hashes', true],
    ['the seed started while the add is under way', false],
  ])(
    `a seed and an add of one torrent, the second started 0 to ${TURNS} turns after the first, never make two copies (%s)`,
    async (_, seedFirst) => {
      swarm = new Swarm()
      const payload = await swarm.payload({ bytes: 64 * 1024 })
      const engine = await swarm.engine()
      const { infoHash } = await parseTorrentBytes(payload.torrentFile)
      const seed = () => engine.seed(payload.file, { pieceLength: PIECE_LENGTH, remember: false })
      const add = async () =>
        (await engine.addOutcome(payload.torrentPath, { downloadDir: payload.dir, remember: false })).torrent
      const [first, second] = seedFirst ? [seed, add] : [add, seed]
      // Where the second call lands in the first one's work decides whether the race shows: before
      // the fix, an add whose download folder was being made while the seed finished hashing handed
      // WebTorrent a second copy. Every start from 0 to TURNS turns later, twice over.
      for (let round = 0; round < 2; round++) {
        for (let turns = 0; turns <= TURNS; turns++) {
          const firstCall = first()
          firstCall.catch(() => undefined) // reported by raced, not as unhandled while turns pass
          for (let turn = 0; turn < turns; turn++) await nextTurn()
          const { results, errors } = await raced<[Torrent, Torrent]>(engine, [firstCall, second()], 0)
          const where = `second call ${turns} turns later`
          expect({ where, errors }).toEqual({ where, errors: [] })
          expect({ where, same: results[1] === results[0] }).toEqual({ where, same: true })
          expectOneRunning(engine, results[0], infoHash, false)
          await engine.remove(infoHash)
        }
      }
    },
  )

  it('a seed of data that is not there is refused before WebTorrent sees it (it waited forever before)', async () => {
    swarm = new Swarm()
    const engine = await swarm.engine()
    const missing = path.join(await swarm.tempDir(), 'missing.bin')
    const seeding = withTimeout(engine.seed(missing), 10_000, 'the seed of missing data')
    await expect(seeding).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining(missing),
    })
    expect(engine.client.torrents).toEqual([])
    expect(engine.stats()).toEqual([])
  })

  it('a seed made through the queue is remembered: the next start resumes it from its data, complete', async () => {
    swarm = new Swarm()
    const payload = await folderPayload()
    const home = await swarm.tempDir('vouch-home-')
    const first = await swarm.engine({ home })
    const seeded = await first.seed(payload.file, { pieceLength: PIECE_LENGTH })
    const { infoHash } = seeded
    await first.close()

    const again = await swarm.engine({ home, resume: true })
    const [resumed] = again.client.torrents
    expect(resumed?.infoHash).toBe(infoHash)
    expect(again.remembered()).toEqual([
      expect.objectContaining({ infoHash, seeding: true, downloadDir: payload.dir }),
    ])
    if (!resumed) throw new Error('nothing resumed')
    await withTimeout(
      new Promise((resolve) => (resumed.done ? resolve(null) : resumed.once('done', resolve))),
      10_000,
      'the resumed seed to check its data',
    )
    expect(resumed.progress).toBe(1)
  })
  it("a seed after an add of the same torrent failed takes the place of the failed attempt's error row", async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const engine = await swarm.engine()
    const { infoHash } = await parseTorrentBytes(payload.torrentFile)
    const elsewhere = await tempDir('vouch-seed-failed-')
    const added = await engine.add(payload.torrentPath, { downloadDir: elsewhere })
    // What a fatal error of the torrent (its store failing) does: WebTorrent destroys it with the error.
    const failed = new Promise((resolve) => engine.events.once('error', resolve))
    ;(added as unknown as { _destroy(error: Error): void })._destroy(new Error('the disk went away'))
    await withTimeout(failed, 5_000, 'the torrent to fail')
    expect(engine.stats()).toEqual([
      expect.objectContaining({ infoHash, error: expect.stringContaining('the disk went away') }),
    ])

    const seeded = await engine.seed(payload.file, { pieceLength: PIECE_LENGTH })
    expectOneRunning(engine, seeded, infoHash)
  })
})
