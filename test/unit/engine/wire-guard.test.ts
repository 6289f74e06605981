import { randomBytes } from 'node:crypto'
import Wire from 'bittorrent-protocol'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FLOOD_INTERVAL_MS,
  guardWire,
  MAX_PEER_REQUESTS,
  type WireViolation,
} from '../../../src/engine/wire-guard.ts'
import { lengthAllowed, lengthLimit, MAX_OTHER_MESSAGE } from '../../../src/engine/wire-limits.ts'
import { frame, requestPayload } from '../../kit/hostile-wire.ts'

/** The parts of a bittorrent-protocol wire these tests drive directly. */
interface Driven {
  _write(data: Uint8Array, cb: (error: Error | null) => void): void
  _bufferSize: number
}

const HANDSHAKE = Buffer.concat([
  Buffer.from([19]),
  Buffer.from('BitTorrent protocol'),
  Buffer.alloc(8),
  randomBytes(20),
  randomBytes(20),
])

/** A wire, guarded or not, with every parsed message recorded as [event, ...arguments]. */
function recordingWire(guarded: boolean, pieces: number | null = null) {
  const wire = new Wire()
  const events: unknown[][] = []
  const violations: WireViolation[] = []
  let destroyed = false
  if (guarded) {
    const swarm =
      pieces === null ? null : { info: {}, pieces: new Array<null>(pieces), infoHash: 'ab'.repeat(20) }
    guardWire(
      wire,
      {
        conn: { remoteAddress: '127.0.0.9', remotePort: 6881 },
        swarm: swarm as never,
        destroy: () => {
          destroyed = true
          wire.destroy()
        },
      },
      {
        hooks: { onViolation: (violation) => violations.push(violation), onFlood: () => {} },
        options: { maxPeerRequests: MAX_PEER_REQUESTS, floodIntervalMs: FLOOD_INTERVAL_MS },
      },
    )
  }
  for (const name of ['handshake', 'keep-alive', 'interested', 'uninterested', 'have', 'cancel', 'port']) {
    wire.on(name, (...args: unknown[]) => events.push([name, ...args.filter((a) => typeof a !== 'object')]))
  }
  wire.on('bitfield', (bits: { buffer: Uint8Array }) =>
    events.push(['bitfield', Buffer.from(bits.buffer).toString('hex')]),
  )
  wire.on('extended', (ext: unknown, buf: unknown) =>
    events.push([
      'extended',
      ext,
      buf instanceof Uint8Array ? Buffer.from(buf).toString('hex') : 'handshake',
    ]),
  )
  const feed = (chunks: Uint8Array[]) => {
    for (const chunk of chunks) (wire as unknown as Driven)._write(chunk, () => {})
  }
  return { wire, events, violations, feed, isDestroyed: () => destroyed }
}

/** Valid messages (no piece: nothing was requested) for a torrent of unknown size. */
const validMessage = fc.oneof(
  fc.constant(Buffer.alloc(4)),
  fc.constant(frame(2)),
  fc.constant(frame(3)),
  fc.nat(1000).map((index) => frame(4, requestPayload(index, 0, 0).subarray(0, 4))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bits) => frame(5, bits)),
  fc
    .tuple(fc.nat(1000), fc.nat(64))
    .map(([piece, block]) => frame(8, requestPayload(piece, block * 16384, 16384))),
  fc.integer({ min: 1, max: 65535 }).map((port) => frame(9, Buffer.from([port >> 8, port & 0xff]))),
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 2000 }))
    .map(([ext, body]) => frame(20, Buffer.concat([Buffer.from([ext]), body]))),
)

/** `bytes` cut at `cuts` (sorted, deduplicated offsets). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let start = 0
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point))
    start = Math.max(start, point)
  }
  return chunks
}

describe('the guarded wire parser', () => {
  it('parses any stream of valid messages, cut anywhere, exactly as bittorrent-protocol does', () => {
    fc.assert(
      fc.property(
        fc.array(validMessage, { maxLength: 40 }),
        fc.array(fc.nat(200_000), { maxLength: 60 }),
        (messages, cuts) => {
          const stream = Buffer.concat([HANDSHAKE, ...messages])
          const stock = recordingWire(false)
          // Copies: bittorrent-protocol's bitfields alias the received bytes, and `have` sets bits.
          stock.feed([Buffer.from(stream)])
          const guarded = recordingWire(true)
          guarded.feed(split(Buffer.from(stream), cuts))
          expect(guarded.violations).toEqual([])
          expect(guarded.events).toEqual(stock.events)
          expect((guarded.wire as unknown as Driven)._bufferSize).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })

  it.each([
    ['have with a payload too long', frame(4, Buffer.alloc(8)), 4, 9],
    ['unchoke with a payload', frame(1, Buffer.alloc(1)), 1, 2],
    ['request too short', frame(6, Buffer.alloc(8)), 6, 9],
    ['a piece when nothing was requested', frame(7, Buffer.alloc(8 + 100)), 7, 109],
    [
      'an extended message over the cap',
      frame(20, Buffer.alloc(10), MAX_OTHER_MESSAGE + 1),
      20,
      MAX_OTHER_MESSAGE + 1,
    ],
    ['an unknown id over the cap', frame(99, Buffer.alloc(10), 2 ** 32 - 1), 99, 2 ** 32 - 1],
  ])(
    'destroys the wire on %s, reporting id and declared length, before the body arrives',
    (_name, bytes, id, declared) => {
      const { violations, feed, isDestroyed, wire } = recordingWire(true)
      // Only the header and the first body bytes: the check must not wait for the rest.
      feed([HANDSHAKE, bytes.subarray(0, 6)])
      expect(isDestroyed()).toBe(true)
      expect(violations).toMatchObject([
        { messageId: id, declaredLength: declared, host: '127.0.0.9', port: 6881 },
      ])
      // Nothing more is buffered once it was refused.
      feed([Buffer.alloc(1024 * 1024)])
      expect((wire as unknown as Driven)._bufferSize).toBe(0)
    },
  )

  it('holds a bitfield to exactly ⌈pieces/8⌉ bytes once the piece count is known', () => {
    const exact = recordingWire(true, 100)
    exact.feed([HANDSHAKE, frame(5, Buffer.alloc(13))])
    expect(exact.violations).toEqual([])
    const long = recordingWire(true, 100)
    long.feed([HANDSHAKE, frame(5, Buffer.alloc(14))])
    expect(long.violations).toMatchObject([{ messageId: 5, declaredLength: 15, limit: 14 }])
  })
})

describe('wire message limits', () => {
  const context = { largestRequest: 16384, pieces: 100 }
  it('bounds piece by the largest block asked, bitfield by the piece count, the rest by type', () => {
    expect(lengthLimit(7, context)).toEqual({ min: 10, max: 9 + 16384 })
    expect(lengthAllowed(7, 9 + 16384, context)).toBe(true)
    expect(lengthAllowed(7, 9 + 16385, context)).toBe(false)
    expect(lengthAllowed(7, 9 + 1, { largestRequest: 0, pieces: null })).toBe(false)
    expect(lengthLimit(5, context)).toEqual({ min: 14, max: 14 })
    expect(lengthLimit(5, { largestRequest: 0, pieces: null })).toEqual({ min: 2, max: 50_001 })
    expect(lengthLimit(6, context)).toEqual({ min: 13, max: 13 })
    expect(lengthLimit(9, context)).toEqual({ min: 3, max: 3 })
    expect(lengthLimit(20, context)).toEqual({ min: 2, max: MAX_OTHER_MESSAGE })
  })
})
