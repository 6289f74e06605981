/**
 * The picker seam (steerPicker in src/defence/seams.ts) answers WebTorrent's `_request` itself,
 * false at once, when the piece is verified or has nothing left to reserve. That is only sound if
 * WebTorrent's own `_request` would have answered false there too and asked for nothing: this runs
 * the real `Torrent.prototype._request`, over real torrent-piece Pieces, beside the seam on twin
 * torrents in every reachable state (reserved blocks, cancellations, a flushed piece, verified
 * pieces, other wires holding reservations, fast and slow, hotswap on and off), and compares the
 * answers, the requests made and the pieces' state afterwards.
 */
import Bitfield from 'bitfield'
import Piece from 'torrent-piece'
import Torrent from 'webtorrent/lib/torrent.js'
import { describe, expect, it } from 'vitest'
import { steerPicker } from '../../../src/defence/seams.ts'
import type { RequestSteering } from '../../../src/defence/steering.ts'

const BLOCK = 16 * 1024
const PIECE_LENGTH = 4 * BLOCK
const PIECES = 3

interface FakeWire {
  name: string
  type: string
  destroyed: boolean
  requests: { piece: number; offset: number; length: number }[]
  peerExtendedHandshake: Record<string, unknown>
  speed: number
  downloadSpeed(): number
  request(piece: number, offset: number, length: number, cb: () => void): void
}

function wire(name: string, speed: number): FakeWire {
  return {
    name,
    type: 'tcpIncoming',
    destroyed: false,
    requests: [],
    peerExtendedHandshake: {},
    speed,
    downloadSpeed() {
      return this.speed
    },
    request(piece, offset, length) {
      this.requests.push({ piece, offset, length })
    },
  }
}

/** A seeded random state, built twice alike: once for the seam, once for WebTorrent alone. */
function twin(seed: number) {
  let state = seed
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state % n
  }
  const wires = [
    wire('us', 1_000_000),
    wire('slow', random(2) === 0 ? 1000 : 900_000),
    wire('other', 500_000),
  ]
  const torrent = Object.create(Torrent.prototype as object) as Record<string, unknown>
  const bitfield = new Bitfield(PIECES)
  const pieces: (Piece | null)[] = []
  const reservations: (FakeWire | null)[][] = []
  for (let index = 0; index < PIECES; index++) {
    const piece = new Piece(PIECE_LENGTH)
    const kind = random(6)
    if (kind === 0) {
      bitfield.set(index, true)
      pieces.push(null)
      reservations.push([])
      continue
    }
    const holders: (FakeWire | null)[] = []
    const reserve = kind === 1 ? 0 : kind === 2 ? random(4) : 4
    for (let block = 0; block < reserve; block++) {
      const reserved = piece.reserve()
      const holder = wires[random(3)] as FakeWire
      holders.push(holder)
      holder.requests.push({ piece: index, offset: reserved * BLOCK, length: BLOCK })
    }
    if (kind === 4 && reserve > 0) piece.cancel(random(reserve))
    if (kind === 5) {
      for (let block = 0; block < 4; block++) piece.set(block, new Uint8Array(BLOCK), holders[block])
      piece.flush()
    }
    pieces.push(piece)
    reservations.push(holders)
  }
  Object.assign(torrent, {
    bitfield,
    pieces,
    _reservations: reservations,
    pieceLength: PIECE_LENGTH,
    maxWebConns: 4,
    destroyed: false,
    emit: () => true,
    _update: () => {},
  })
  return { torrent, wires }
}

const noVeto = {
  veto: () => false,
  pinnedPiece: () => undefined,
  openPiecesAtLimit: () => undefined,
} as unknown as RequestSteering

function snapshot(torrent: Record<string, unknown>, wires: FakeWire[]) {
  const pieces = torrent.pieces as (Piece | null)[]
  return {
    requests: wires.map((each) => each.requests.map((request) => ({ ...request }))),
    pieces: pieces.map((piece) =>
      piece ? { reserved: piece._reservations, cancelled: [...(piece._cancellations ?? [])] } : null,
    ),
    holders: (torrent._reservations as (FakeWire | null)[][]).map((holders) =>
      holders.map((holder) => holder?.name ?? null),
    ),
  }
}

describe("the picker seam's own answers", () => {
  it("are WebTorrent's own _request answers, with the same requests made, in every state", () => {
    let shortCut = 0
    for (let seed = 1; seed <= 400; seed++) {
      const seamed = twin(seed)
      const plain = twin(seed)
      const original = (Torrent.prototype as { _request: (...args: unknown[]) => boolean })._request
      let calledThrough = 0
      seamed.torrent._request = function (this: unknown, ...args: unknown[]) {
        calledThrough++
        return original.apply(this, args)
      }
      steerPicker(seamed.torrent as never, noVeto)
      for (let index = 0; index < PIECES; index++) {
        for (const hotswap of [false, true]) {
          const before = calledThrough
          const answer = (seamed.torrent._request as (...args: unknown[]) => boolean).call(
            seamed.torrent,
            seamed.wires[0],
            index,
            hotswap,
          )
          if (calledThrough === before) shortCut++
          const expected = original.call(plain.torrent, plain.wires[0], index, hotswap)
          expect(answer).toBe(expected)
          expect(snapshot(seamed.torrent, seamed.wires)).toEqual(snapshot(plain.torrent, plain.wires))
        }
      }
    }
    // The seam answered a good share of the calls itself (else this test would prove nothing).
    expect(shortCut).toBeGreaterThan(400)
  })
})
