import File from 'webtorrent/lib/file.js'
import Torrent from 'webtorrent/lib/torrent.js'
import { describe, expect, it } from 'vitest'
import { installPieceFiles } from '../../../src/engine/piece-files.ts'

type Method = (this: unknown, ...args: number[]) => unknown
const proto = Torrent.prototype as unknown as Record<'_checkDone' | '_markUnverified', Method>
// WebTorrent's own methods, taken before the install replaces them.
const original = { checkDone: proto._checkDone, markUnverified: proto._markUnverified }
installPieceFiles()
const replaced = { checkDone: proto._checkDone, markUnverified: proto._markUnverified }

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
}

/** The members of a torrent the two methods use, recording what they do to it. */
function fakeTorrent(lengths: number[], pieceLength: number) {
  const log: string[] = []
  const total = lengths.reduce((sum, length) => sum + length, 0)
  const count = Math.ceil(total / pieceLength)
  const bits = new Array<boolean>(count).fill(false)
  const torrent = {
    destroyed: false,
    done: false,
    pieceLength,
    lastPieceLength: total % pieceLength || pieceLength,
    pieces: new Array<unknown>(count).fill(null),
    bitfield: {
      get: (index: number) => bits[index] === true,
      set: (index: number, value: boolean) => (bits[index] = value),
    },
    discovery: { complete: () => log.push('complete'), tracker: { start: () => log.push('tracker start') } },
    files: [] as InstanceType<typeof File>[],
    _startAsDeselected: false,
    _debug: () => {},
    emit: (event: string) => log.push(`torrent ${event}`),
    select: (from: number, to: number) => log.push(`select ${from}-${to}`),
    _gcSelections: () => log.push('gc'),
  }
  let offset = 0
  torrent.files = lengths.map((length, index) => {
    const file = new File(torrent, { name: `f${index}`, path: `f${index}`, length, offset })
    file.on('done', () => log.push(`file ${index} done`))
    offset += length
    return file
  })
  return { torrent, log, count }
}

function state(fake: ReturnType<typeof fakeTorrent>) {
  return {
    log: fake.log,
    done: fake.torrent.done,
    files: fake.torrent.files.map((file) => file.done),
    pieces: fake.torrent.pieces.map((piece) => (piece as { length?: number } | null)?.length ?? null),
  }
}

describe('per-piece bookkeeping over only the files holding the piece', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`does what WebTorrent's walk over every file does (seed ${seed})`, () => {
      const next = random(seed)
      // Empty files (at piece boundaries and inside pieces), tiny ones, and some spanning pieces.
      const lengths = Array.from({ length: 300 }, () => {
        const kind = next()
        return kind < 0.1 ? 0 : kind < 0.8 ? 1 + Math.floor(next() * 20) : Math.floor(next() * 200)
      })
      const theirs = fakeTorrent(lengths, 16)
      const ours = fakeTorrent(lengths, 16)
      for (let step = 0; step < 400; step++) {
        const index = Math.floor(next() * theirs.count)
        if (next() < 0.25) {
          original.markUnverified.call(theirs.torrent, index)
          replaced.markUnverified.call(ours.torrent, index)
        } else {
          theirs.torrent.bitfield.set(index, true)
          ours.torrent.bitfield.set(index, true)
          expect(replaced.checkDone.call(ours.torrent)).toBe(original.checkDone.call(theirs.torrent))
        }
        expect(state(ours)).toEqual(state(theirs))
      }
      // Every piece in the end: the torrent is done in both, and every file too.
      for (let index = 0; index < theirs.count; index++) {
        theirs.torrent.bitfield.set(index, true)
        ours.torrent.bitfield.set(index, true)
      }
      expect(replaced.checkDone.call(ours.torrent)).toBe(original.checkDone.call(theirs.torrent))
      expect(state(ours)).toEqual(state(theirs))
      expect(ours.torrent.done).toBe(true)
    })
  }
})
