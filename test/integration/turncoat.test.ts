import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BanEvent } from '../../src/defence/events.ts'
import { adversary, behaviours, total, watchCorruption } from '../kit/adversaries.ts'
import { Swarm, whenDone } from '../kit/swarm.ts'

const PIECE = 256 * 1024

describe('a peer that turns bad after earning trust', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('gets at most 4 pieces (1 MiB) of corrupt data accepted before its ban, and no honest peer is banned', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 24 * 1024 * 1024, pieceLength: PIECE })
    const honest = [
      await swarm.seeder(payload, { noDelay: true }),
      await swarm.seeder(payload, { noDelay: true }),
    ]
    const turncoat = await adversary(swarm, payload, behaviours.turnsBadAfter(8))
    const engine = await swarm.engine()
    const bans: BanEvent[] = []
    engine.events.on('ban', (event) => bans.push(event))
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [...honest, turncoat].map((seeder) => seeder.address),
      remember: false,
    })
    const report = watchCorruption(torrent, payload)
    await whenDone(torrent, 120_000)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
    expect(engine.defence?.contribution(turncoat.host)?.piecesGood).toBeGreaterThan(0)
    expect(bans.map((ban) => ban.address)).toEqual([turncoat.host])
    const corrupt = total(report.acceptedCorruptBytes)
    console.log(
      `[turncoat] corrupt bytes accepted before the ban: ${corrupt} (${(corrupt / PIECE).toFixed(2)} pieces)`,
    )
    expect(corrupt).toBeGreaterThan(0)
    expect(corrupt).toBeLessThanOrEqual(4 * PIECE)
  })
})
