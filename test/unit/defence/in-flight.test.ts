import { describe, expect, it } from 'vitest'
import { InFlight } from '../../../src/defence/in-flight.ts'
import { BlockLedger, type BlockSender } from '../../../src/defence/ledger.ts'

const BLOCK = 16 * 1024

function sender(address: string): BlockSender {
  return { address, host: address, port: 1, peerId: null }
}

describe('requests in flight per address and piece', () => {
  it('counts each request until it is answered, per address and per piece', () => {
    const inFlight = new InFlight()
    inFlight.requested('10.0.0.1', 3)
    inFlight.requested('10.0.0.1', 3)
    expect(inFlight.has('10.0.0.1', 3)).toBe(true)
    expect(inFlight.onlyPiece('10.0.0.1')).toBe(3)
    expect(inFlight.busyElsewhere('10.0.0.1', 3)).toBe(false)
    expect(inFlight.busyElsewhere('10.0.0.1', 4)).toBe(true)
    expect(inFlight.othersOn(3, '10.0.0.1')).toBe(false)
    expect(inFlight.othersOn(3, '10.0.0.2')).toBe(true)
    inFlight.requested('10.0.0.1', 5)
    expect(inFlight.onlyPiece('10.0.0.1')).toBeUndefined()
    inFlight.answered('10.0.0.1', 3)
    expect(inFlight.has('10.0.0.1', 3)).toBe(true)
    inFlight.answered('10.0.0.1', 3)
    expect(inFlight.has('10.0.0.1', 3)).toBe(false)
    expect(inFlight.othersOn(3, '10.0.0.2')).toBe(false)
    expect(inFlight.onlyPiece('10.0.0.1')).toBe(5)
    inFlight.answered('10.0.0.1', 5)
    expect(inFlight.busyElsewhere('10.0.0.1', 9)).toBe(false)
    // an answer for nothing counted (a stray callback) leaves every count at zero, never below
    inFlight.answered('10.0.0.1', 5)
    inFlight.requested('10.0.0.1', 5)
    expect(inFlight.onlyPiece('10.0.0.1')).toBe(5)
  })

  it('answers every question as naive counts would, over a long random run of requests and answers', () => {
    const inFlight = new InFlight()
    const addresses = ['a', 'b', 'c']
    const counts = new Map<string, number>()
    const count = (address: string, piece: number) => counts.get(`${address}/${piece}`) ?? 0
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let step = 0; step < 5000; step++) {
      const address = addresses[random(3)] as string
      const piece = random(4)
      // half the steps answer, often for nothing counted: such a stray answer changes nothing
      if (random(2) === 0) {
        inFlight.requested(address, piece)
        counts.set(`${address}/${piece}`, count(address, piece) + 1)
      } else {
        inFlight.answered(address, piece)
        counts.set(`${address}/${piece}`, Math.max(0, count(address, piece) - 1))
      }
      for (const who of addresses) {
        const pieces = [0, 1, 2, 3].filter((p) => count(who, p) > 0)
        expect([...inFlight.piecesOf(who)].sort()).toEqual(pieces)
        expect(inFlight.onlyPiece(who)).toBe(pieces.length === 1 ? pieces[0] : undefined)
        for (let p = 0; p < 4; p++) {
          expect(inFlight.has(who, p)).toBe(count(who, p) > 0)
          expect(inFlight.busyElsewhere(who, p)).toBe(pieces.some((other) => other !== p))
          expect(inFlight.othersOn(p, who)).toBe(
            addresses.some((other) => other !== who && count(other, p) > 0),
          )
        }
      }
    }
  })

  it('counts connections per address', () => {
    const inFlight = new InFlight()
    inFlight.connected('10.0.0.1')
    inFlight.connected('10.0.0.1')
    inFlight.disconnected('10.0.0.1')
    expect(inFlight.isConnected('10.0.0.1')).toBe(true)
    inFlight.disconnected('10.0.0.1')
    expect(inFlight.isConnected('10.0.0.1')).toBe(false)
  })
})

describe("the ledger's per-address indexes", () => {
  it('answers pending and suspect questions as a scan of every piece would, through fail, verify and drop', () => {
    const ledger = new BlockLedger()
    ledger.record(1, { sender: sender('a'), offset: 0, length: BLOCK, digest: 'x' })
    ledger.record(1, { sender: sender('b'), offset: BLOCK, length: BLOCK, digest: 'y' })
    ledger.record(2, { sender: sender('a'), offset: 0, length: BLOCK, digest: 'z' })
    expect(ledger.hasPendingFrom('a', 1)).toBe(true)
    expect(ledger.hasPendingFrom('b', 1)).toBe(false)
    expect(ledger.onlyPendingPiece('b')).toBe(1)
    expect(ledger.onlyPendingPiece('a')).toBeUndefined()
    expect(ledger.hasBlocksFrom(1, 'b')).toBe(true)
    expect(ledger.hasBlocksFromOthers(2, 'a')).toBe(false)
    expect(ledger.hasBlocksFromOthers(1, 'a')).toBe(true)
    ledger.fail(1)
    expect(ledger.isSuspect('a') && ledger.isSuspect('b')).toBe(true)
    expect(ledger.hasBlocksFrom(1, 'b')).toBe(false)
    expect(ledger.onlyPendingPiece('a')).toBe(2)
    expect(ledger.hasPendingFrom('b', 7)).toBe(false)
    // a second failure of the same piece by the same suspect counts it once
    ledger.record(1, { sender: sender('a'), offset: 0, length: BLOCK, digest: 'x' })
    ledger.record(1, { sender: sender('c'), offset: BLOCK, length: BLOCK, digest: 'w' })
    ledger.fail(1)
    ledger.record(3, { sender: sender('b'), offset: 0, length: BLOCK, digest: 'v' })
    ledger.record(3, { sender: sender('d'), offset: BLOCK, length: BLOCK, digest: 'u' })
    ledger.fail(3)
    ledger.verify(1, (offset) => (offset === 0 ? 'x' : 'y'))
    expect(ledger.isSuspect('a')).toBe(false)
    expect(ledger.isSuspect('c')).toBe(false)
    expect(ledger.isSuspect('b')).toBe(true)
    ledger.drop(3)
    expect(ledger.isSuspect('b')).toBe(false)
    ledger.drop(2)
    expect(ledger.hasPendingFrom('a', 99)).toBe(false)
    expect(ledger.size).toBe(0)
  })
})
