import type Wire from 'bittorrent-protocol'
import { describe, expect, it } from 'vitest'
import { InFlight } from '../../../src/defence/in-flight.ts'
import { BlockLedger, type BlockSender } from '../../../src/defence/ledger.ts'
import { RequestSteering } from '../../../src/defence/steering.ts'

const BLOCK = 16 * 1024

/** The parts of a wire the steering reads. */
function fakeWire(): Wire {
  return {
    requests: [],
    destroyed: false,
    peerChoking: false,
    peerPieces: { get: () => true },
  } as unknown as Wire
}

function sender(address: string): BlockSender {
  return { address, host: address, port: 1, peerId: null }
}

function world() {
  const ledger = new BlockLedger()
  const inFlight = new InFlight()
  const addresses = new Map<Wire, string>()
  const credit = new Map<string, number>()
  let now = 0
  const steering = new RequestSteering({
    ledger,
    inFlight,
    wires: () => [...addresses.keys()],
    addressOf: (wire) => addresses.get(wire) ?? null,
    isBanned: () => false,
    piecesGood: (address) => credit.get(address) ?? 0,
    probation: true,
    maxOpenPieces: () => 4,
    preferenceWindowMs: 2000,
    now: () => now,
  })
  const wire = (address: string, credited = false): Wire => {
    const made = fakeWire()
    addresses.set(made, address)
    inFlight.connected(address)
    // fakeWire() is unchoking us, as a serving peer's wire is.
    inFlight.unchoked(address)
    if (credited) credit.set(address, 1)
    return made
  }
  // What the defence does on a real wire: count each request out, uncount it when it is answered.
  const ask = (wire: Wire, piece: number): boolean => {
    if (steering.veto(wire, piece)) return false
    wire.requests.push({ piece, offset: 0, length: BLOCK })
    inFlight.requested(addresses.get(wire) ?? '', piece)
    return true
  }
  const answerAll = (wire: Wire): void => {
    for (const request of wire.requests.splice(0)) inFlight.answered(addresses.get(wire) ?? '', request.piece)
  }
  const disconnect = (wire: Wire): void => {
    answerAll(wire)
    wire.destroyed = true
    inFlight.disconnected(addresses.get(wire) ?? '')
  }
  return {
    ledger,
    inFlight,
    steering,
    wire,
    ask,
    answerAll,
    disconnect,
    advance: (ms: number) => (now += ms),
  }
}

describe('request steering', () => {
  it('keeps a connection on probation to one piece at a time', () => {
    const { wire, ask } = world()
    const fresh = wire('10.0.0.1')
    expect(ask(fresh, 1)).toBe(true)
    expect(ask(fresh, 1)).toBe(true)
    expect(ask(fresh, 2)).toBe(false)
  })

  it('keeps a probation piece to its claimant, for a bounded time', () => {
    const { wire, ask, advance } = world()
    const first = wire('10.0.0.1')
    const second = wire('10.0.0.2')
    const trusted = wire('10.0.0.3', true)
    expect(ask(first, 1)).toBe(true)
    expect(ask(second, 1)).toBe(false)
    expect(ask(trusted, 1)).toBe(false)
    expect(ask(second, 2)).toBe(true)
    advance(2000)
    expect(ask(trusted, 1)).toBe(true)
  })

  it('frees a probation piece at once when its claimant disconnects mid-piece', () => {
    const { ledger, wire, ask, answerAll, disconnect } = world()
    const first = wire('10.0.0.1')
    const trusted = wire('10.0.0.3', true)
    expect(ask(first, 1)).toBe(true)
    ledger.record(1, { sender: sender('10.0.0.1'), offset: 0, length: BLOCK, digest: 'a' })
    answerAll(first)
    expect(ask(trusted, 1)).toBe(false)
    disconnect(first)
    expect(ask(trusted, 1)).toBe(true)
  })

  it('does not let a connection on probation join a piece a trusted peer is assembling', () => {
    const { wire, ask } = world()
    const trusted = wire('10.0.0.3', true)
    const fresh = wire('10.0.0.1')
    expect(ask(trusted, 4)).toBe(true)
    expect(ask(fresh, 4)).toBe(false)
    expect(ask(fresh, 5)).toBe(true)
  })

  it('refetches a failed piece from a peer that was not involved, one connection at a time', () => {
    const { ledger, steering, wire, ask, answerAll, advance } = world()
    const suspect = wire('10.0.0.1', true)
    const partner = wire('10.0.0.2', true)
    const bystander = wire('10.0.0.3', true)
    const other = wire('10.0.0.4', true)
    ledger.record(7, { sender: sender('10.0.0.1'), offset: 0, length: BLOCK, digest: 'a' })
    ledger.record(7, { sender: sender('10.0.0.2'), offset: BLOCK, length: BLOCK, digest: 'b' })
    ledger.fail(7)
    steering.failed(7)
    expect(ask(suspect, 7)).toBe(false)
    expect(ask(partner, 7)).toBe(false)
    expect(ask(bystander, 7)).toBe(true)
    expect(ask(other, 7)).toBe(false)
    expect(ask(bystander, 7)).toBe(true)
    // once the owner has nothing out and the preference window has passed, anyone may fetch it
    answerAll(bystander)
    advance(2000)
    expect(ask(suspect, 7)).toBe(true)
  })

  it('lets a suspect on probation fetch nothing but the failed piece until it is resolved', () => {
    const { ledger, steering, wire, ask, answerAll } = world()
    const fresh = wire('10.0.0.1')
    ledger.record(3, { sender: sender('10.0.0.1'), offset: 0, length: BLOCK, digest: 'a' })
    ledger.record(3, { sender: sender('10.0.0.2'), offset: BLOCK, length: BLOCK, digest: 'b' })
    ledger.fail(3)
    steering.failed(3)
    expect(ask(fresh, 4)).toBe(false)
    expect(ask(fresh, 3)).toBe(true)
    ledger.verify(3, () => 'a')
    steering.release(3)
    answerAll(fresh)
    expect(ask(fresh, 4)).toBe(true)
  })

  it('pins a connection on probation to the one piece it is working on, and no longer once proven', () => {
    const { ledger, steering, wire, ask, answerAll } = world()
    const fresh = wire('10.0.0.1')
    const trusted = wire('10.0.0.3', true)
    expect(steering.pinnedPiece(fresh)).toBeUndefined()
    expect(ask(fresh, 6)).toBe(true)
    expect(steering.pinnedPiece(fresh)).toBe(6)
    answerAll(fresh)
    ledger.record(6, { sender: sender('10.0.0.1'), offset: 0, length: BLOCK, digest: 'a' })
    expect(steering.pinnedPiece(fresh)).toBe(6)
    expect(ask(fresh, 7)).toBe(false)
    expect(ask(trusted, 7)).toBe(true)
    expect(steering.pinnedPiece(trusted)).toBeUndefined()
    ledger.verify(6)
    steering.release(6)
    expect(steering.pinnedPiece(fresh)).toBeUndefined()
  })

  it('lets a proven address have at most four pieces open while another serves, and then only those', () => {
    const { ledger, steering, wire, ask, answerAll } = world()
    const trusted = wire('10.0.0.3', true)
    wire('10.0.0.4', true)
    for (const piece of [1, 2, 3]) expect(ask(trusted, piece)).toBe(true)
    ledger.record(4, { sender: sender('10.0.0.3'), offset: 0, length: BLOCK, digest: 'a' })
    expect(steering.openPiecesAtLimit(trusted)?.sort()).toEqual([1, 2, 3, 4])
    expect(ask(trusted, 5)).toBe(false)
    expect(ask(trusted, 2)).toBe(true)
    // A piece that verifies closes: the address may open another.
    answerAll(trusted)
    ledger.record(1, { sender: sender('10.0.0.3'), offset: 0, length: BLOCK, digest: 'b' })
    ledger.verify(4)
    expect(steering.openPiecesAtLimit(trusted)).toBeUndefined()
    expect(ask(trusted, 5)).toBe(true)
  })

  it('puts no limit on the open pieces of the only address serving us', () => {
    const { steering, wire, ask } = world()
    const lone = wire('10.0.0.3', true)
    for (let piece = 1; piece <= 12; piece++) expect(ask(lone, piece)).toBe(true)
    expect(steering.openPiecesAtLimit(lone)).toBeUndefined()
    expect(steering.overLimit('10.0.0.3')).toEqual([])
  })

  it('names the pieces past the limit of an address that served alone, once another serves', () => {
    const { ledger, inFlight, steering, wire, ask } = world()
    const lone = wire('10.0.0.3', true)
    for (let piece = 1; piece <= 8; piece++) expect(ask(lone, piece)).toBe(true)
    // Blocks of piece 7 are in: it stays open, and takes one of the four places.
    ledger.record(7, { sender: sender('10.0.0.3'), offset: 0, length: BLOCK, digest: 'a' })
    const other = wire('10.0.0.4', true)
    expect(inFlight.othersServing('10.0.0.3')).toBe(true)
    expect(steering.overLimit('10.0.0.3')).toEqual([4, 5, 6, 8])
    expect(ask(lone, 9)).toBe(false)
    expect(ask(other, 9)).toBe(true)
  })

  it('counts a failed piece an address shared against its open-piece limit until the piece verifies', () => {
    const { ledger, steering, wire, ask, answerAll } = world()
    const trusted = wire('10.0.0.3', true)
    wire('10.0.0.4', true)
    // Four pieces failed with both addresses among their contributors: no sole culprit, no ban yet.
    for (const piece of [1, 2, 3, 4]) {
      ledger.record(piece, { sender: sender('10.0.0.3'), offset: 0, length: BLOCK, digest: 'bad' })
      ledger.record(piece, { sender: sender('10.0.0.4'), offset: BLOCK, length: BLOCK, digest: 'good' })
      ledger.fail(piece)
    }
    expect(ledger.pendingFrom('10.0.0.3').size).toBe(0)
    expect(ask(trusted, 5)).toBe(false)
    expect(steering.openPiecesAtLimit(trusted)).toEqual([])
    // Piece 1 verifies from someone else: one place frees.
    ledger.record(1, { sender: sender('10.0.0.4'), offset: 0, length: BLOCK, digest: 'x' })
    ledger.verify(1, (offset) => (offset === 0 ? 'x' : 'good'))
    answerAll(trusted)
    expect(ask(trusted, 5)).toBe(true)
    expect(ask(trusted, 6)).toBe(false)
  })
})
