/**
 * The per-wire seam remembers what was asked, so each block that arrives is known for an answer
 * without scanning the wire's outstanding requests. On loopback WebTorrent keeps a second's worth of
 * blocks asked (5,000 and more); every one of those must stay remembered, and every answer to one
 * must reach the defence as solicited.
 */
import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import Wire from 'bittorrent-protocol'
import { describe, expect, it } from 'vitest'
import { watchWire, type WireState } from '../../../src/defence/seams.ts'

const BLOCK = 16 * 1024

/** Two real bittorrent-protocol wires piped to each other, handshaken, the seeder unchoking. */
async function wirePair() {
  const leecher = new Wire()
  const seeder = new Wire()
  const stream = (wire: Wire) => wire as unknown as Duplex
  stream(leecher).pipe(stream(seeder)).pipe(stream(leecher))
  const infoHash = randomBytes(20)
  const shaken = new Promise((resolve) => seeder.once('handshake', resolve))
  leecher.handshake(infoHash, randomBytes(20))
  seeder.handshake(infoHash, randomBytes(20))
  await shaken
  seeder.on('request', (index: number, offset: number, length: number, respond) =>
    respond(null, Buffer.alloc(length, index & 0xff)),
  )
  const unchoked = new Promise((resolve) => leecher.once('unchoke', resolve))
  seeder.unchoke()
  await unchoked
  return { leecher, seeder }
}

describe('the per-wire request seam', () => {
  it('remembers every outstanding request however deep the pipeline, and takes each answer as solicited', async () => {
    const { leecher, seeder } = await wirePair()
    const state: WireState = {
      sender: { address: '127.0.0.2', host: '127.0.0.2', port: 6881, peerId: null },
      asked: new Map(),
    }
    const solicited: string[] = []
    const unsolicited: string[] = []
    watchWire({
      wire: leecher,
      torrent: {} as never,
      state,
      inFlight: undefined,
      steering: undefined,
      onSolicited: (piece, offset) => solicited.push(`${piece}:${offset}`),
      onUnsolicited: (piece, offset) => unsolicited.push(`${piece}:${offset}`),
    })
    const blocks = 6_000
    let answered = 0
    const done = new Promise<void>((resolve) => {
      for (let block = 0; block < blocks; block++) {
        const piece = Math.floor(block / 16)
        leecher.request(piece, (block % 16) * BLOCK, BLOCK, (error) => {
          expect(error).toBeNull()
          if (++answered === blocks) resolve()
        })
      }
    })
    // All asked before any answer can arrive (the pipe delivers on later turns).
    expect(leecher.requests.length).toBe(blocks)
    expect(state.asked.size).toBe(blocks)
    await done
    expect(solicited).toHaveLength(blocks)
    expect(unsolicited).toEqual([])
    expect(state.asked.size).toBe(0)
    leecher.destroy()
    seeder.destroy()
  })
})
