/**
 * Per-file selection and priority. WebTorrent selects piece ranges; a piece shared by a skipped
 * file and a wanted one must still be fetched, so the selection is rebuilt from the files: every
 * piece range of a file that is not skipped, at that file's priority, and nothing else. A piece
 * outside every selection is never requested (Torrent._updateWire only walks selections).
 */
import type { Torrent } from 'webtorrent'
import { VouchError } from '../errors.ts'
import { isHeldByGate } from './plugin.ts'

export const FILE_PRIORITIES = ['skip', 'low', 'normal', 'high'] as const
export type FilePriority = (typeof FILE_PRIORITIES)[number]

/** WebTorrent selection priorities: higher is fetched first; `skip` is no selection at all. */
const SELECTION_PRIORITY: Record<Exclude<FilePriority, 'skip'>, number> = { low: 0, normal: 1, high: 2 }

interface FileRange {
  _startPiece: number
  _endPiece: number
}

/** Replace the torrent's selection with one built from `priorities` (one per file, in order). */
export function applyFilePriorities(torrent: Torrent, priorities: readonly FilePriority[]): void {
  if (torrent.pieces.length === 0) return
  torrent.deselect(0, torrent.pieces.length - 1)
  torrent.files.forEach((file, index) => {
    const priority = priorities[index] ?? 'normal'
    if (priority === 'skip' || file.length === 0) return
    const range = file as unknown as FileRange
    torrent.select(range._startPiece, range._endPiece, SELECTION_PRIORITY[priority])
  })
}

/** The pieces a file covers, first and last. */
export function pieceRangeOf(torrent: Torrent, index: number): { first: number; last: number } | null {
  const file = torrent.files[index] as unknown as FileRange | undefined
  return file ? { first: file._startPiece, last: file._endPiece } : null
}

/**
 * One priority per file: `current` (missing entries 'normal') with `changes` applied. Throws for a
 * bad index, and for a torrent whose files are not known or that the provenance gate holds.
 */
export function changedPriorities(
  torrent: Torrent,
  current: readonly FilePriority[],
  changes: readonly { index: number; priority: FilePriority }[],
): FilePriority[] {
  if (!torrent.ready) {
    throw new VouchError('bad-input', 'the torrent has no metadata yet: its files are not known', {
      infoHash: torrent.infoHash,
    })
  }
  if (isHeldByGate(torrent)) {
    throw new VouchError(
      'bad-input',
      'the torrent is held by the provenance gate: nothing is selected until a signature is accepted',
      { infoHash: torrent.infoHash },
    )
  }
  const priorities = torrent.files.map((_, index) => current[index] ?? 'normal')
  for (const { index, priority } of changes) {
    if (index >= priorities.length) {
      throw new VouchError('bad-input', `no file ${index}: the torrent has ${priorities.length} files`, {
        infoHash: torrent.infoHash,
        index,
      })
    }
    priorities[index] = priority
  }
  return priorities
}
