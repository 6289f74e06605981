/**
 * The per-wire seam tells each block that arrives for an answer or not: a block answering a request
 * still outstanding on the wire (bittorrent-protocol's `wire.requests`), or one that ended without
 * its block (cancelled, timed out, choked), is solicited; anything else is not. On loopback
 * WebTorrent keeps a second's worth of blocks asked (5,000 and more); every answer to one must
 * reach the defence as solicited, and the seam keeps no memory per outstanding request.
 */
import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import Wire from 'bittorrent-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { watchWire, type WireState } from '../../../src/defence/seams.ts'

const BLOCK = 16 * 1024

/** Wires made by wirePair, destroyed after each test (also one that failed half-way). */
const made: Wire[] = []
afterEach(() => {
  for (const wire of made.splice(0)) wire.destroy()
})

/** Two real bittorrent-protocol wires piped to each other, handshaken, the seeder unchoking. */
async function wirePair() {
  const leecher = new Wire()
  const seeder = new Wire()
  made.push(leecher, seeder)
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

function watched(leecher: Wire) {
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
  return { state, solicited, unsolicited }
}

/** Resolves once `count` piece messages have reached the leecher's `_onPiece` (bounded). */
function piecesArrive(leecher: Wire, count: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onPiece = leecher._onPiece
    let seen = 0
    const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} blocks arrived`)), 5000)
    leecher._onPiece = (index, offset, buffer) => {
      onPiece.call(leecher, index, offset, buffer)
      if (++seen === count) {
        clearTimeout(timer)
        resolve()
      }
    }
  })
}

describe('the per-wire request seam', () => {
  it('takes every answer of a deep pipeline as solicited, keeping nothing per outstanding request', async () => {
    const { leecher } = await wirePair()
    const { state, solicited, unsolicited } = watched(leecher)
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
    expect(state.asked.size).toBe(0)
    await done
    expect(solicited).toHaveLength(blocks)
    expect(unsolicited).toEqual([])
    expect(state.asked.size).toBe(0)
  })

  it('takes a late answer to a cancelled request as solicited once, and a block never asked as unsolicited', async () => {
    const { leecher, seeder } = await wirePair()
    const { state, solicited, unsolicited } = watched(leecher)
    // The seeder holds its answers: the leecher cancels before any can arrive.
    seeder.removeAllListeners('request')
    const errors: string[] = []
    leecher.request(3, BLOCK, BLOCK, (error) => errors.push(String(error?.message)))
    leecher.cancel(3, BLOCK, BLOCK)
    expect(errors).toEqual(['request was cancelled'])
    expect(state.asked.get(`3:${BLOCK}:${BLOCK}`)).toBe(1)
    const arrived = piecesArrive(leecher, 4)
    // The late answer, the same block again, a block never asked and one of another length.
    seeder.piece(3, BLOCK, Buffer.alloc(BLOCK, 3))
    seeder.piece(3, BLOCK, Buffer.alloc(BLOCK, 3))
    seeder.piece(4, 0, Buffer.alloc(BLOCK, 4))
    seeder.piece(3, BLOCK, Buffer.alloc(BLOCK / 2, 3))
    await arrived
    expect(solicited).toEqual([`3:${BLOCK}`])
    expect(unsolicited).toEqual([`3:${BLOCK}`, '4:0', `3:${BLOCK}`])
    expect(state.asked.size).toBe(0)
  })

  it('remembers a block asked twice that ended unanswered twice, for two late answers', async () => {
    const { leecher, seeder } = await wirePair()
    const { state, solicited, unsolicited } = watched(leecher)
    seeder.removeAllListeners('request')
    for (let time = 0; time < 2; time++) {
      leecher.request(0, 0, BLOCK, () => {})
      leecher.cancel(0, 0, BLOCK)
    }
    expect(state.asked.get(`0:0:${BLOCK}`)).toBe(2)
    const arrived = piecesArrive(leecher, 3)
    for (let time = 0; time < 3; time++) seeder.piece(0, 0, Buffer.alloc(BLOCK))
    await arrived
    expect(solicited).toEqual(['0:0', '0:0'])
    expect(unsolicited).toEqual(['0:0'])
  })
  it('still knows the late answers to thousands of requests cancelled at once, the oldest first', async () => {
    const { leecher, seeder } = await wirePair()
    const { state, solicited, unsolicited } = watched(leecher)
    seeder.removeAllListeners('request')
    const blocks = 5_000
    for (let block = 0; block < blocks; block++) leecher.request(block, 0, BLOCK, () => {})
    for (let block = 0; block < blocks; block++) leecher.cancel(block, 0, BLOCK)
    expect(state.asked.size).toBe(blocks)
    // The blocks already on the way when the cancels went out answer the oldest requests.
    const arrived = piecesArrive(leecher, 10)
    for (let block = 0; block < 10; block++) seeder.piece(block, 0, Buffer.alloc(BLOCK))
    await arrived
    expect(solicited).toHaveLength(10)
    expect(unsolicited).toEqual([])
    // Later requests bring the memory back to its bound, one entry each.
    for (let block = 0; block < blocks; block++) leecher.request(blocks + block, 0, BLOCK, () => {})
    expect(state.asked.size).toBeLessThanOrEqual(4097)
  })

  it('remembers nothing of a request refused at once, which was never sent', async () => {
    const { leecher, seeder } = await wirePair()
    const { state, solicited, unsolicited } = watched(leecher)
    const choked = new Promise((resolve) => leecher.once('choke', resolve))
    seeder.choke()
    await choked
    const errors: string[] = []
    leecher.request(2, 0, BLOCK, (error) => errors.push(String(error?.message)))
    expect(errors).toEqual(['peer is choking'])
    expect(state.asked.size).toBe(0)
    const arrived = piecesArrive(leecher, 1)
    seeder.piece(2, 0, Buffer.alloc(BLOCK))
    await arrived
    expect(solicited).toEqual([])
    expect(unsolicited).toEqual(['2:0'])
  })
})
