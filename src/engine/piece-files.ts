/**
 * WebTorrent's per-piece bookkeeping looks at every file of the torrent: _markUnverified (called
 * for each piece its start-up check finds missing, so for every piece of a new torrent) walks all
 * files to clear the `done` of those holding the piece, and _checkDone (after every verified piece)
 * walks every file (the done ones to skip them). That is pieces × files: about 0.8 ms a call for
 * 20 000 files, 100 ms on a 1 MB torrent of 20 000 files, and seconds at start and during the
 * download of one with 8 000 pieces.
 *
 * Files are in offset order, so the files holding a piece are one run of them, found by a search:
 * the same two methods, with the same effects and events in the same order, visit only those. In
 * _checkDone, a file not done is missing some piece; every later file that starts at or before
 * that piece holds it too (files' last pieces never decrease), so the search skips past them; and
 * runs of done files are skipped through links (nextNotDone). A torrent whose files are not in
 * that order (never made by WebTorrent) keeps the original _checkDone and walk.
 */
// The piece class WebTorrent itself uses: declared at WebTorrent's range, and
// test/integration/torrent-piece-module.test.ts checks that WebTorrent's pieces are of this class.
import Piece from 'torrent-piece'
import Torrent from 'webtorrent/lib/torrent.js'

interface PieceFile {
  done: boolean
  name: string
  _startPiece: number
  _endPiece: number
  includes(piece: number): boolean
  emit(event: string): boolean
}

interface TorrentInternals {
  destroyed: boolean
  done: boolean
  files: PieceFile[]
  pieces: unknown[]
  pieceLength: number
  lastPieceLength: number
  _startAsDeselected?: boolean
  select(from: number, to: number): void
  bitfield: { get(index: number): boolean; set(index: number, value: boolean): void }
  discovery: { complete(): void; tracker?: { start(): void } }
  _debug(...args: unknown[]): void
  emit(event: string): boolean
  _gcSelections(): void
  _markUnverified(index: number): void
  _checkDone(): boolean | undefined
}

const INSTALLED = Symbol.for('vouch.piece-files')
/** Files arrays checked for offset order (both piece bounds never decrease). */
const ordered = new WeakMap<PieceFile[], boolean>()

function inOrder(files: PieceFile[]): boolean {
  let known = ordered.get(files)
  if (known === undefined) {
    known = true
    for (let at = 1; at < files.length && known; at++) {
      const before = files[at - 1] as PieceFile
      const file = files[at] as PieceFile
      known = file._startPiece >= before._startPiece && file._endPiece >= before._endPiece
    }
    ordered.set(files, known)
  }
  return known
}

/**
 * For each files array, links over files known to be done: `next[i]` is `i` for a file not known
 * to be done, else an index further on with only done files between. WebTorrent clears a file's
 * `done` only in _markUnverified, which drops the links when it does.
 */
const doneLinks = new WeakMap<PieceFile[], Int32Array>()

/** The index of the first file from `from` on that is not done (files.length if none). */
function nextNotDone(files: PieceFile[], from: number): number {
  let next = doneLinks.get(files)
  if (!next) {
    next = Int32Array.from({ length: files.length + 1 }, (_, index) => index)
    doneLinks.set(files, next)
  }
  let at = from
  while (at < files.length) {
    const link = next[at] as number
    if (link !== at) at = link
    else if ((files[at] as PieceFile).done) at = next[at] = at + 1
    else break
  }
  // Every index walked now links straight to where the walk ended.
  for (let walked = from; walked < at;) {
    const link = next[walked] as number
    next[walked] = at
    walked = link
  }
  return at
}

/**
 * The first index from `from` on whose file satisfies `past` (false for a run of files, then true
 * for the rest): a gallop then a binary search, so never more steps than a scan would take.
 */
export function firstFrom(
  files: readonly PieceFile[],
  from: number,
  past: (file: PieceFile) => boolean,
): number {
  let low = from
  let step = 1
  let high = from
  while (high < files.length && !past(files[high] as PieceFile)) {
    low = high + 1
    high += step
    step *= 2
  }
  high = Math.min(high, files.length)
  while (low < high) {
    const middle = (low + high) >> 1
    if (past(files[middle] as PieceFile)) high = middle
    else low = middle + 1
  }
  return low
}

/** Install once per process, on every torrent. */
export function installPieceFiles(): void {
  const proto = Torrent.prototype as TorrentInternals & { [INSTALLED]?: true }
  if (proto[INSTALLED]) return
  proto[INSTALLED] = true
  const checkDone = proto._checkDone

  proto._markUnverified = function (this: TorrentInternals, index: number) {
    // WebTorrent 3's, but the walk over files visits only those holding the piece.
    const length = index === this.pieces.length - 1 ? this.lastPieceLength : this.pieceLength
    this.pieces[index] = new Piece(length)
    this.bitfield.set(index, false)
    if (!this._startAsDeselected) this.select(index, index)
    const files = this.files
    const sorted = inOrder(files)
    const from = sorted ? firstFrom(files, 0, (file) => file._endPiece >= index) : 0
    for (let at = from; at < files.length; at++) {
      const file = files[at] as PieceFile
      if (sorted && file._startPiece > index) break
      if (file.done && file.includes(index)) {
        file.done = false
        doneLinks.delete(files)
      }
    }
  }

  proto._checkDone = function (this: TorrentInternals) {
    if (this.destroyed) return undefined
    const files = this.files
    if (!inOrder(files)) return checkDone.call(this)
    // are any new files done?
    for (let at = nextNotDone(files, 0); at < files.length;) {
      const file = files[at] as PieceFile
      let missing = -1
      for (let index = file._startPiece; index <= file._endPiece; ++index) {
        if (!this.bitfield.get(index)) {
          missing = index
          break
        }
      }
      if (missing === -1) {
        file.done = true
        file.emit('done')
        this._debug(`file done: ${file.name}`)
        at = nextNotDone(files, at + 1)
        continue
      }
      // This file and every later one starting at or before `missing` hold it: none is done.
      at = nextNotDone(
        files,
        firstFrom(files, at + 1, (later) => later._startPiece > missing),
      )
    }
    // The rest as WebTorrent 3 has it: is the torrent done (everything downloaded)?
    const done =
      this.files === files ? nextNotDone(files, 0) === files.length : this.files.every((file) => file.done)
    if (!this.done && done) {
      this.done = true
      this._debug(`torrent done: ${String((this as { infoHash?: string }).infoHash)}`)
      this.emit('done')
      if (!this.destroyed) this.discovery.complete()
    } else if (this.done && !done) {
      this.done = false
      this.discovery.tracker?.start()
    }
    this._gcSelections()
    return done
  }
}
