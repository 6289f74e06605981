/**
 * Ban reports written as the store's rows are read, so exporting 100k bans holds a few of them in
 * memory, not all: the same bytes as `buildReport` (report.ts) for every format, built from the
 * same per-ban formatters. The JSON document is framed by hand around `JSON.stringify(…, null, 2)`
 * of batches of bans, indented to where the whole document would put them.
 * Signed reports still go through `buildReport`: a signature covers the whole text.
 */
import type { Ban } from '../defence/ban-store.ts'
import {
  blocklistLine,
  CSV_HEADER,
  csvRecord,
  jsonReport,
  reportBan,
  type ReportBan,
  type ReportFormat,
  type ReportOptions,
} from './report.ts'

/** What a streamed report counted, filled in as it is read. */
export interface StreamedCounts {
  /** Bans included so far. */
  included: number
  /** Bans the format cannot hold (IPv6 in P2P and DAT). */
  omitted: number
}

/** Bans stringified together in the JSON format (one call per ban would cost more than the bans). */
const JSON_BATCH = 256
/** What `JSON.stringify({ bans: [...] }, null, 2)` writes around its bans. */
const BATCH_HEAD = '{\n  "bans": [\n'
const BATCH_TAIL = '\n  ]\n}'

/** The report's text, in pieces: framing, then one piece per included ban. */
export function* reportPieces(
  bans: Iterable<Ban>,
  format: ReportFormat,
  options: ReportOptions,
  counts: StreamedCounts,
): Generator<string> {
  switch (format) {
    case 'json': {
      // The document with no bans ends in `"bans": []\n}`: everything before the `]` is the head.
      const empty = JSON.stringify(jsonReport([], options), null, 2)
      yield empty.slice(0, empty.lastIndexOf(']'))
      const batch: ReportBan[] = []
      // A batch stringified as the `bans` of an object is indented as the whole document indents
      // its bans: only the object's head and tail are cut off.
      const wrapper = { bans: batch }
      const framed = () => {
        const body = JSON.stringify(wrapper, null, 2).slice(BATCH_HEAD.length, -BATCH_TAIL.length)
        const piece = `${counts.included === 0 ? '' : ','}\n${body}`
        counts.included += batch.length
        batch.length = 0
        return piece
      }
      for (const ban of bans) {
        batch.push(reportBan(ban, options))
        if (batch.length === JSON_BATCH) yield framed()
      }
      if (batch.length) yield framed()
      yield counts.included === 0 ? ']\n}\n' : '\n  ]\n}\n'
      return
    }
    case 'csv':
      yield `${CSV_HEADER}\r\n`
      for (const ban of bans) {
        yield `${csvRecord(reportBan(ban, options))}\r\n`
        counts.included++
      }
      return
    case 'p2p':
    case 'dat':
      for (const ban of bans) {
        const line = blocklistLine(ban, format)
        if (line === null) {
          counts.omitted++
          continue
        }
        yield `${line}\n`
        counts.included++
      }
      return
  }
}

/** Pieces are written in chunks of about this many characters: one write per ban would cost more than the bans. */
const CHUNK_CHARS = 64 * 1024

/**
 * Write a report's pieces through `write`, a chunk at a time, awaiting each write (a sink that
 * is full holds back the rows).
 */
export async function writeReport(
  pieces: Iterable<string>,
  write: (chunk: string) => Promise<void>,
): Promise<void> {
  let chunk: string[] = []
  let length = 0
  for (const piece of pieces) {
    chunk.push(piece)
    length += piece.length
    if (length < CHUNK_CHARS) continue
    await write(chunk.join(''))
    chunk = []
    length = 0
  }
  if (chunk.length) await write(chunk.join(''))
}
