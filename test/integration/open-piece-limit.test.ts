import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type Wire from 'bittorrent-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Swarm, whenDone, withTimeout } from '../kit/swarm.ts'

const PIECE = 256 * 1024
/** MAX_UNVERIFIED_BYTES_PER_ADDRESS (1 MiB) in pieces of 256 KiB. */
const LIMIT = 4

/** Pieces `wire` has requests out for. */
function askedPieces(wire: Wire): Set<number> {
  return new Set(wire.requests.map((request) => request.piece))
}

describe('the open-piece limit of a proven address', () => {
  let swarm: Swarm | undefined
  afterEach(async () => swarm?.close())

  it('does not hold back the only seeder, and holds it to the limit the moment a second one serves', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 96 * 1024 * 1024, pieceLength: PIECE })
    const first = await swarm.seeder(payload, { noDelay: true })
    const second = await swarm.seeder(payload, { noDelay: true })
    const engine = await swarm.engine()
    const out = await swarm.tempDir()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [first.address],
      remember: false,
    })
    const wires = new Map<string, Wire>()
    // Pieces the first seeder has sent a block of: those stay open when the limit comes back.
    const delivered = new Set<number>()
    torrent.on('wire', (wire: Wire) => {
      if (wire.remoteAddress) wires.set(wire.remoteAddress, wire)
      if (wire.remoteAddress === first.host) wire.on('piece', (index: number) => delivered.add(index))
    })
    // Alone, the seeder gets as many pieces asked as WebTorrent's pipeline wants (a second's worth).
    let widest = 0
    await withTimeout(
      new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          const wire = wires.get(first.host)
          widest = Math.max(widest, wire ? askedPieces(wire).size : 0)
          if (widest > 2 * LIMIT || torrent.done) {
            clearInterval(poll)
            resolve()
          }
        }, 5)
      }),
      30_000,
      'the lone seeder asked for many pieces',
    )
    expect(widest).toBeGreaterThan(2 * LIMIT)
    const firstWire = wires.get(first.host)
    if (!firstWire) throw new Error('no wire to the first seeder')
    // The pieces it was only asked for are cancelled past the limit as soon as the second seeder
    // unchokes us (the defence's unchoke listener runs before this one).
    const onlyAskedWhenSecondServes = new Promise<number>((resolve) => {
      torrent.on('wire', (wire: Wire) => {
        if (wire.remoteAddress !== second.host) return
        wire.once('unchoke', () => {
          resolve([...askedPieces(firstWire)].filter((piece) => !delivered.has(piece)).length)
        })
      })
    })
    torrent.addPeer(second.address)
    expect(
      await withTimeout(onlyAskedWhenSecondServes, 30_000, 'the second seeder unchokes'),
    ).toBeLessThanOrEqual(LIMIT)
    await whenDone(torrent, 120_000)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
  })
})
