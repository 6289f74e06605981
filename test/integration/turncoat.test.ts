import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BanEvent } from '../../src/defence/events.ts'
import { adversary, behaviours, total, watchCorruption } from '../kit/adversaries.ts'
import { Swarm, whenDone, type WireBehaviour } from '../kit/swarm.ts'

const PIECE = 256 * 1024

describe('a peer that turns bad after earning trust', () => {
  let swarm: Swarm | undefined
  afterEach(async () => swarm?.close())

  /**
   * Two honest seeders and `behaviour` on its own address: the download completes, at most 4 pieces
   * of corrupt data from the turncoat were accepted, and it alone was banned.
   */
  async function expectBounded(behaviour: WireBehaviour, honestUploadLimit = -1): Promise<void> {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 24 * 1024 * 1024, pieceLength: PIECE })
    const seeder = { noDelay: true, client: { uploadLimit: honestUploadLimit } }
    const honest = [await swarm.seeder(payload, seeder), await swarm.seeder(payload, seeder)]
    const turncoat = await adversary(swarm, payload, behaviour)
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
    const corrupt = total(report.acceptedCorruptBytes)
    console.log(
      `[turncoat] corrupt bytes accepted before the ban: ${corrupt} (${(corrupt / PIECE).toFixed(2)} pieces)`,
    )
    expect(corrupt).toBeGreaterThan(0)
    expect(corrupt).toBeLessThanOrEqual(4 * PIECE)
    expect(engine.defence?.contribution(turncoat.host)?.piecesGood).toBeGreaterThan(0)
    expect(bans.map((ban) => ban.address)).toEqual([turncoat.host])
  }

  it('gets at most 4 pieces (1 MiB) of corrupt data accepted before its ban, and no honest peer is banned', async () => {
    await expectBounded(behaviours.turnsBadAfter(8))
  })

  it('gets at most 4 pieces accepted even when it keeps every false piece from completing for a while', async () => {
    // Without the bound on open pieces it would be asked for (and send) a second's worth of blocks
    // of ever new pieces before the first of them failed; the honest seeders are slower, so most
    // requests go to it.
    await expectBounded(behaviours.turnsBadAfterWithholding(2, 1500), 4 * 1024 * 1024)
  })
})
