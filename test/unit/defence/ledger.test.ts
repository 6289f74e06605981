import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BlockLedger, type BlockSender } from '../../../src/defence/ledger.ts'

const BLOCK = 16 * 1024

function sender(host: string, port = 6881): BlockSender {
  return { address: host, host, port, peerId: `id-${host}-${port}` }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The true content of block `offset` of piece `piece`, as a digest. */
function trueDigest(piece: number) {
  return (offset: number) => digestOf(`good-${piece}-${offset}`)
}

function good(piece: number, offset: number): string {
  return trueDigest(piece)(offset)
}

function bad(piece: number, offset: number): string {
  return digestOf(`bad-${piece}-${offset}`)
}

const honest = sender('127.0.0.2')
const poisoner = sender('127.0.0.3')
const other = sender('127.0.0.4')

describe('block ledger attribution', () => {
  it('names the only contributor of a failed piece as proven', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(0, 0) })
    ledger.record(0, { sender: poisoner, offset: BLOCK, length: BLOCK, digest: bad(0, BLOCK) })
    const verdict = ledger.fail(0)
    expect(verdict.contributors).toEqual(['127.0.0.3'])
    expect(verdict.sole?.sender).toBe(poisoner)
    expect(verdict.sole?.bytes).toBe(2 * BLOCK)
  })

  it('proves nothing by a sole recorded contributor when a web seed also sent blocks', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: honest, offset: 0, length: BLOCK, digest: good(0, 0) })
    ledger.recordUnattributed(0)
    const failure = ledger.fail(0)
    expect(failure.sole).toBeNull()
    expect(failure.contributors).toEqual(['127.0.0.2'])
    // The next generation starts clean: its sole contributor proves itself again.
    ledger.record(0, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(0, 0) })
    expect(ledger.fail(0).sole?.sender).toBe(poisoner)
  })

  it('treats several connections from one address as one contributor', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: sender('127.0.0.3', 1), offset: 0, length: BLOCK, digest: bad(0, 0) })
    ledger.record(0, { sender: sender('127.0.0.3', 2), offset: BLOCK, length: BLOCK, digest: good(0, BLOCK) })
    expect(ledger.fail(0).sole?.sender.address).toBe('127.0.0.3')
  })

  it('proves nothing on a shared failure, then bans the peer whose block differed, and no one else', () => {
    const ledger = new BlockLedger()
    ledger.record(5, { sender: honest, offset: 0, length: BLOCK, digest: good(5, 0) })
    ledger.record(5, { sender: poisoner, offset: BLOCK, length: BLOCK, digest: bad(5, BLOCK) })
    const failure = ledger.fail(5)
    expect(failure.sole).toBeNull()
    expect(failure.contributors.sort()).toEqual(['127.0.0.2', '127.0.0.3'])
    expect([...ledger.suspects(5)].sort()).toEqual(['127.0.0.2', '127.0.0.3'])
    // the next generation comes from a third peer and verifies
    ledger.record(5, { sender: other, offset: 0, length: BLOCK, digest: good(5, 0) })
    ledger.record(5, { sender: other, offset: BLOCK, length: BLOCK, digest: good(5, BLOCK) })
    expect(ledger.needsVerifiedData(5)).toBe(true)
    const verdict = ledger.verify(5, trueDigest(5))
    expect(verdict.culprits.map((c) => c.sender.address)).toEqual(['127.0.0.3'])
    expect(verdict.culprits[0]).toMatchObject({
      offset: BLOCK,
      badDigest: bad(5, BLOCK),
      goodDigest: good(5, BLOCK),
    })
    expect(verdict.cleared).toEqual(['127.0.0.2'])
    expect([...verdict.credit]).toEqual([['127.0.0.4', 2 * BLOCK]])
    expect(verdict.badBytes.get('127.0.0.3')).toBe(BLOCK)
    expect(ledger.size).toBe(0)
  })

  it('blames a late duplicate that differs, even though the piece used the true copy', () => {
    const ledger = new BlockLedger()
    ledger.record(1, { sender: honest, offset: 0, length: BLOCK, digest: good(1, 0) })
    ledger.record(1, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(1, 0) })
    expect(ledger.needsVerifiedData(1)).toBe(true)
    const verdict = ledger.verify(1, trueDigest(1))
    expect(verdict.culprits.map((c) => c.sender.address)).toEqual(['127.0.0.3'])
    expect([...verdict.credit.keys()]).toEqual(['127.0.0.2'])
  })

  it('credits everyone without reading the piece when all copies agree', () => {
    const ledger = new BlockLedger()
    ledger.record(2, { sender: honest, offset: 0, length: BLOCK, digest: good(2, 0) })
    ledger.record(2, { sender: other, offset: BLOCK, length: 100, digest: good(2, BLOCK) })
    ledger.record(2, { sender: other, offset: BLOCK, length: 100, digest: good(2, BLOCK) })
    expect(ledger.needsVerifiedData(2)).toBe(false)
    const verdict = ledger.verify(2)
    expect(verdict.culprits).toEqual([])
    expect(Object.fromEntries(verdict.credit)).toEqual({ '127.0.0.2': BLOCK, '127.0.0.4': 100 })
  })

  it('refuses to judge a piece that needs its verified data without it', () => {
    const ledger = new BlockLedger()
    ledger.record(3, { sender: honest, offset: 0, length: BLOCK, digest: good(3, 0) })
    ledger.fail(3)
    expect(() => ledger.verify(3)).toThrow(/needs its verified data/)
  })

  it('never blames an honest peer whatever mix of generations it shared with poisoners', () => {
    // Exhaustive over small worlds: 3 blocks, each sent in 1..3 generations by any of 3 peers,
    // of which only the poisoner ever sends a false block.
    const peers = [honest, poisoner, other]
    for (let world = 0; world < 3 ** 6; world++) {
      const ledger = new BlockLedger()
      let code = world
      for (let generation = 0; generation < 2; generation++) {
        let poisoned = false
        for (let offset = 0; offset < 3 * BLOCK; offset += BLOCK) {
          const who = peers[code % 3] as BlockSender
          code = Math.floor(code / 3)
          poisoned ||= who === poisoner
          const digest = who === poisoner ? bad(9, offset) : good(9, offset)
          ledger.record(9, { sender: who, offset, length: BLOCK, digest })
        }
        // Only a generation holding a false block can fail its hash.
        if (generation === 0 && poisoned) {
          const failure = ledger.fail(9)
          if (failure.sole) expect(failure.sole.sender, `world ${world}`).toBe(poisoner)
        }
      }
      const verdict = ledger.verify(9, trueDigest(9))
      for (const culprit of verdict.culprits) expect(culprit.sender, `world ${world}`).toBe(poisoner)
    }
  })
})

describe('block ledger memory', () => {
  it('drops a verified piece and bounds pieces in progress', () => {
    const ledger = new BlockLedger({ maxPieces: 8, maxFailedPieces: 2 })
    for (let piece = 0; piece < 100; piece++) {
      ledger.record(piece, { sender: honest, offset: 0, length: BLOCK, digest: good(piece, 0) })
    }
    expect(ledger.size).toBe(8)
    ledger.verify(99)
    expect(ledger.size).toBe(7)
  })

  it('keeps failed evidence over in-progress pieces, up to its own limit', () => {
    const ledger = new BlockLedger({ maxPieces: 4, maxFailedPieces: 2 })
    for (let piece = 0; piece < 3; piece++) {
      ledger.record(piece, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(piece, 0) })
      ledger.record(piece, { sender: honest, offset: BLOCK, length: BLOCK, digest: good(piece, BLOCK) })
      ledger.fail(piece)
    }
    expect(ledger.hasFailed(0)).toBe(false)
    expect(ledger.hasFailed(1)).toBe(true)
    expect(ledger.hasFailed(2)).toBe(true)
    for (let piece = 10; piece < 20; piece++) {
      ledger.record(piece, { sender: honest, offset: 0, length: BLOCK, digest: good(piece, 0) })
    }
    expect(ledger.hasFailed(1) && ledger.hasFailed(2)).toBe(true)
    expect(ledger.blocks).toBeLessThanOrEqual(4 + 4)
  })
})

describe('block ledger with held bytes (hashed only when needed)', () => {
  /** A block's bytes: `fill` repeated; honest peers send fill 1, the poisoner fill 9. */
  const bytes = (fill: number, length = BLOCK) => new Uint8Array(length).fill(fill)
  const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
  const verifiedPiece = (length: number) => (offset: number, blockLength: number) =>
    sha256(bytes(1, length).subarray(offset, offset + blockLength))

  it('holds the bytes of a piece in progress and releases them unhashed once it verifies', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: honest, offset: 0, length: BLOCK, data: bytes(1) })
    ledger.record(0, { sender: other, offset: BLOCK, length: BLOCK, data: bytes(1) })
    expect(ledger.bufferedBytes).toBe(2 * BLOCK)
    expect(ledger.needsVerifiedData(0)).toBe(false)
    const verdict = ledger.verify(0)
    expect(verdict.culprits).toEqual([])
    expect(Object.fromEntries(verdict.credit)).toEqual({ '127.0.0.2': BLOCK, '127.0.0.4': BLOCK })
    expect(ledger.bufferedBytes).toBe(0)
    expect(ledger.size).toBe(0)
  })

  it('hashes a failed generation from the held bytes and proves the poisoner once the piece verifies', () => {
    const ledger = new BlockLedger()
    ledger.record(4, { sender: honest, offset: 0, length: BLOCK, data: bytes(1) })
    ledger.record(4, { sender: poisoner, offset: BLOCK, length: BLOCK, data: bytes(9) })
    const failure = ledger.fail(4)
    expect(failure.sole).toBeNull()
    expect(ledger.bufferedBytes).toBe(0)
    ledger.record(4, { sender: other, offset: 0, length: BLOCK, data: bytes(1) })
    ledger.record(4, { sender: other, offset: BLOCK, length: BLOCK, data: bytes(1) })
    const verdict = ledger.verify(4, verifiedPiece(2 * BLOCK))
    expect(verdict.culprits).toEqual([
      {
        sender: poisoner,
        offset: BLOCK,
        length: BLOCK,
        badDigest: sha256(bytes(9)),
        goodDigest: sha256(bytes(1)),
        receivedAt: null,
      },
    ])
    expect(verdict.cleared).toEqual(['127.0.0.2'])
    expect(ledger.bufferedBytes).toBe(0)
  })

  it('gives a sole contributor digest as evidence of its failed piece', () => {
    const ledger = new BlockLedger()
    ledger.record(2, { sender: poisoner, offset: 0, length: BLOCK, data: bytes(9) })
    expect(ledger.fail(2).sole).toMatchObject({ sender: poisoner, offset: 0, digest: sha256(bytes(9)) })
  })

  it('sees two copies of one block that differ by their bytes, and blames only the false one', () => {
    const ledger = new BlockLedger()
    ledger.record(1, { sender: honest, offset: 0, length: BLOCK, data: bytes(1) })
    ledger.record(1, { sender: other, offset: 0, length: BLOCK, data: bytes(1) })
    expect(ledger.needsVerifiedData(1)).toBe(false)
    ledger.record(1, { sender: poisoner, offset: 0, length: BLOCK, data: bytes(9) })
    expect(ledger.needsVerifiedData(1)).toBe(true)
    const verdict = ledger.verify(1, verifiedPiece(BLOCK))
    expect(verdict.culprits.map((culprit) => culprit.sender)).toEqual([poisoner])
    expect(Object.fromEntries(verdict.credit)).toEqual({ '127.0.0.2': BLOCK, '127.0.0.4': BLOCK })
  })

  it('judges the last, shorter block of the last piece by its own length', () => {
    const last = 1000
    const ledger = new BlockLedger()
    ledger.record(7, { sender: poisoner, offset: 0, length: last, data: bytes(9, last) })
    ledger.record(7, { sender: honest, offset: 0, length: last, data: bytes(1, last) })
    ledger.fail(7)
    ledger.record(7, { sender: honest, offset: 0, length: last, data: bytes(1, last) })
    const verdict = ledger.verify(7, verifiedPiece(last))
    expect(verdict.culprits.map((culprit) => culprit.sender)).toEqual([poisoner])
    expect(verdict.cleared).toEqual(['127.0.0.2'])
  })

  it('bounds the bytes it holds by hashing the oldest pieces, and keeps their evidence', () => {
    const ledger = new BlockLedger({ maxBufferedBytes: 4 * BLOCK })
    for (let piece = 0; piece < 20; piece++) {
      ledger.record(piece, {
        sender: piece === 0 ? poisoner : honest,
        offset: 0,
        length: BLOCK,
        data: bytes(piece === 0 ? 9 : 1),
      })
      expect(ledger.bufferedBytes).toBeLessThanOrEqual(4 * BLOCK)
    }
    expect(ledger.bufferedBytes).toBeGreaterThan(0)
    // Piece 0 was hashed under pressure; a copy of it still held is compared by digest.
    ledger.record(0, { sender: honest, offset: 0, length: BLOCK, data: bytes(1) })
    expect(ledger.needsVerifiedData(0)).toBe(true)
    expect(ledger.verify(0, verifiedPiece(BLOCK)).culprits[0]).toMatchObject({
      sender: poisoner,
      badDigest: sha256(bytes(9)),
    })
    for (let piece = 1; piece < 20; piece++) ledger.verify(piece)
    expect(ledger.bufferedBytes).toBe(0)
  })

  it('reports the suspects of failed evidence it evicts, and forgets nobody else', () => {
    const lost: [number, string[]][] = []
    const ledger = new BlockLedger({
      maxFailedPieces: 1,
      onEvidenceLost: (piece, suspects) => lost.push([piece, suspects]),
    })
    for (const piece of [0, 1]) {
      ledger.record(piece, { sender: honest, offset: 0, length: BLOCK, data: bytes(1) })
      ledger.record(piece, { sender: poisoner, offset: BLOCK, length: BLOCK, data: bytes(9) })
      ledger.fail(piece)
    }
    expect(lost).toEqual([[0, ['127.0.0.2', '127.0.0.3']]])
    expect(ledger.hasFailed(1)).toBe(true)
    expect(ledger.drop(1)).toEqual(['127.0.0.2', '127.0.0.3'])
    expect(ledger.drop(1)).toEqual([])
  })

  it('refuses a block recorded with neither its bytes nor its digest', () => {
    expect(() => new BlockLedger().record(0, { sender: honest, offset: 0, length: BLOCK })).toThrow(
      /bytes or its digest/,
    )
  })
})

describe('block ledger: when the bad data arrived (for the time to ban)', () => {
  it('dates a culprit by its first differing block, from the failed generation when there was one', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: honest, offset: 0, length: BLOCK, digest: good(0, 0), receivedAt: 1000 })
    ledger.record(0, {
      sender: poisoner,
      offset: BLOCK,
      length: BLOCK,
      digest: good(0, BLOCK),
      receivedAt: 1100,
    })
    ledger.record(0, {
      sender: poisoner,
      offset: 2 * BLOCK,
      length: BLOCK,
      digest: bad(0, 2 * BLOCK),
      receivedAt: 1200,
    })
    ledger.fail(0)
    ledger.record(0, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(0, 0), receivedAt: 2000 })
    ledger.record(0, { sender: honest, offset: 0, length: BLOCK, digest: good(0, 0), receivedAt: 2100 })
    const verdict = ledger.verify(0, trueDigest(0))
    expect(verdict.culprits.map((culprit) => [culprit.sender.address, culprit.receivedAt])).toEqual([
      ['127.0.0.3', 1200],
    ])
  })

  it("dates a sole contributor's failed piece by the generation's earliest block", () => {
    const ledger = new BlockLedger()
    ledger.record(0, {
      sender: poisoner,
      offset: BLOCK,
      length: BLOCK,
      digest: bad(0, BLOCK),
      receivedAt: 1500,
    })
    ledger.record(0, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(0, 0), receivedAt: 1600 })
    expect(ledger.fail(0).sole?.firstReceivedAt).toBe(1500)
  })

  it('has no date for blocks recorded without one', () => {
    const ledger = new BlockLedger()
    ledger.record(0, { sender: poisoner, offset: 0, length: BLOCK, digest: bad(0, 0) })
    expect(ledger.fail(0).sole?.firstReceivedAt).toBeNull()
  })
})
