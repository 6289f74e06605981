/**
 * The engine's numbers for a torrent come back as the same object while they cannot have moved
 * (what makes torrents.list over 2,000 idle torrents cheap), and afresh the moment anything they
 * depend on moves — including the speeds, which fall to 0 only once IDLE_AFTER_MS has passed.
 */
import { describe, expect, it } from 'vitest'
import type { Torrent } from 'webtorrent'
import { TorrentProgress } from '../../../src/engine/progress.ts'
import { IDLE_AFTER_MS } from '../../../src/engine/torrent-state.ts'

/** The fields of a WebTorrent torrent statsOf reads, as plain values a test can move. */
function torrentLike() {
  return {
    infoHash: 'ab'.repeat(20),
    name: 'file.bin',
    path: '/data',
    length: 4 * 16_384,
    ready: true,
    done: false,
    paused: false,
    received: 0,
    downloaded: 0,
    uploaded: 0,
    numPeers: 1,
    downloadSpeed: 0,
    uploadSpeed: 0,
    get progress() {
      return this.downloaded / this.length
    },
  }
}

const tracked = { addedAt: 1_700_000_000_000, paused: false, queued: false }

function progressOf(torrent: ReturnType<typeof torrentLike>) {
  const progress = new TorrentProgress(() => tracked as never)
  return (now: number) => progress.statsOf(torrent as unknown as Torrent, now)
}

describe('a torrent’s numbers', () => {
  it('are the same frozen object while nothing they depend on moved', () => {
    const torrent = torrentLike()
    const statsAt = progressOf(torrent)
    const first = statsAt(0)
    expect(Object.isFrozen(first)).toBe(true)
    expect(statsAt(10)).toBe(first)
    expect(statsAt(60_000)).toBe(first)
  })

  it('are read afresh when a counter, the metadata or a fact changes', () => {
    const torrent = torrentLike()
    const statsAt = progressOf(torrent)
    let last = statsAt(0)
    const moves: [string, () => void][] = [
      ['received', () => (torrent.received += 16_384)],
      ['uploaded', () => (torrent.uploaded += 1)],
      ['numPeers', () => (torrent.numPeers += 1)],
      ['done', () => (torrent.done = true)],
      ['name', () => (torrent.name = 'renamed.bin')],
      ['path', () => (torrent.path = '/elsewhere')],
      ['length', () => (torrent.length += 1)],
      ['paused', () => (tracked.paused = !tracked.paused)],
      ['queued', () => (tracked.queued = !tracked.queued)],
    ]
    let now = 0
    for (const [what, move] of moves) {
      // Past the idle window the numbers are read once more (they were read while a move was
      // fresh), and then kept: only the move itself can explain a new object after that.
      now += 10 * IDLE_AFTER_MS
      last = statsAt(now)
      expect(statsAt(now + 1), `before ${what}`).toBe(last)
      move()
      const next = statsAt(now)
      expect(next, what).not.toBe(last)
      last = next
    }
    expect(last).toMatchObject({ name: 'renamed.bin', savePath: '/elsewhere', uploaded: 1, numPeers: 2 })
    tracked.paused = false
    tracked.queued = false
  })

  it('never hand back a speed read while data flowed, once the flow has stopped', () => {
    const torrent = torrentLike()
    const statsAt = progressOf(torrent)
    statsAt(0)
    torrent.received = 16_384
    torrent.downloaded = 16_384
    torrent.downloadSpeed = 8_192
    expect(statsAt(1_000).downloadSpeed).toBe(8_192)
    // Nothing read between 1 s and well after the idle window: the speed must be 0 by then.
    const later = statsAt(1_000 + 2 * IDLE_AFTER_MS)
    expect(later.downloadSpeed).toBe(0)
    expect(later.timeRemaining).toBeNull()
    expect(statsAt(1_000 + 3 * IDLE_AFTER_MS)).toBe(later)
  })

  it('are read afresh once when something other than the byte counters changed, then kept', () => {
    // A resumed torrent: read while it checks its data, then it is ready (nothing downloads). The
    // first torrents.list after a resume depends on that read being kept.
    const torrent = { ...torrentLike(), ready: false, done: true, downloaded: 4 * 16_384 }
    const statsAt = progressOf(torrent)
    statsAt(0)
    torrent.ready = true
    const ready = statsAt(100)
    expect(ready.checking).toBe(false)
    expect(statsAt(200)).toBe(ready)
    torrent.numPeers = 0
    const alone = statsAt(300)
    expect(alone).not.toBe(ready)
    expect(statsAt(400)).toBe(alone)
  })

  it('are read afresh every time while the torrent checks its data', () => {
    const torrent = { ...torrentLike(), ready: false }
    const statsAt = progressOf(torrent)
    const first = statsAt(0)
    torrent.downloaded = 16_384
    const second = statsAt(60_000)
    expect(second).not.toBe(first)
    expect(second.downloaded).toBe(16_384)
    expect(second.checking).toBe(true)
  })
})
