/**
 * Synchronous I/O for small files. A read or write of a few KiB through the libuv thread pool costs
 * three round trips (open, read or write, close), each a hand-off to a pool thread and back; for a
 * torrent of 20 000 tiny files those round trips, not the bytes, are the whole cost. Done on the
 * calling thread, the same three system calls take microseconds from the page cache, and the file
 * is closed again before the call returns, so it never holds a descriptor.
 *
 * Callers keep each synchronous run short: at most SYNC_BATCH files before they yield to the event
 * loop (inBatches does it for every caller at once), so a piece spanning thousands of files does
 * not stall peers or the UI.
 */
import { closeSync, constants, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import path from 'node:path'

/** Files of at most this many bytes are read and written synchronously. */
export const SMALL_FILE = 64 * 1024

/**
 * At most this many small files are handled in one synchronous run before yielding. Reads from the
 * page cache take ~10 µs a file, but creating a file on a busy disk was measured here at 0.5–2 ms,
 * so 64 alone would let one run hold the event loop for 100 ms then: SYNC_TURN_MS ends it sooner.
 * A turn of the event loop costs microseconds.
 */
export const SYNC_BATCH = 64

/**
 * A run of the shared queue also ends once it has taken this long (after the item that passed it):
 * on a slow disk the UI and peers wait at most about this plus one file's time between turns.
 */
export const SYNC_TURN_MS = 10

/**
 * Opened without blocking: these opens run on the main thread, and opening a FIFO someone put at a
 * file's path waits, without O_NONBLOCK, for the other end, with the whole process (and its UI)
 * stopped. With it a FIFO's read or write fails at once (ESPIPE, ENXIO); a regular file is unaffected.
 */
const NO_WAIT = constants.O_NONBLOCK

/**
 * Read `length` bytes at `position` of `file` into `into` at `at`. Returns the bytes read (fewer
 * than `length` when the file ends first); throws (ENOENT and the like) without creating anything.
 */
export function readSmall(
  file: string,
  into: Uint8Array,
  at: number,
  length: number,
  position: number,
): number {
  const fd = openSync(file, constants.O_RDONLY | NO_WAIT)
  try {
    let done = 0
    while (done < length) {
      const got = readSync(fd, into, at + done, length - done, position + done)
      if (got === 0) break
      done += got
    }
    return done
  } finally {
    closeSync(fd)
  }
}

/**
 * Write `data` at `position` of `file`, creating the file (and, unless `madeDirs` already holds it,
 * its directory) if missing.
 */
export function writeSmall(file: string, data: Uint8Array, position: number, madeDirs: Set<string>): void {
  const directory = path.dirname(file)
  const makeDirectory = () => {
    mkdirSync(directory, { recursive: true })
    madeDirs.add(directory)
  }
  const openFile = () => openSync(file, constants.O_WRONLY | constants.O_CREAT | NO_WAIT, 0o666)
  const madeBefore = madeDirs.has(directory)
  if (!madeBefore) makeDirectory()
  let fd: number
  try {
    fd = openFile()
  } catch (error) {
    if (!madeBefore || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    // The directory has gone since it was made (removed by hand, or emptied and removed with
    // another torrent's data): make it again, once.
    makeDirectory()
    fd = openFile()
  }
  try {
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done)
  } finally {
    closeSync(fd)
  }
}

interface Run {
  items: readonly unknown[]
  next: number
  each: (item: unknown) => void
  done: (error: Error | null) => void
}

/**
 * Every caller's pending runs, in order: one budget per turn for all of them, SYNC_BATCH items or
 * SYNC_TURN_MS, whichever comes first.
 */
const runs: Run[] = []
let scheduled = false

function drain(): void {
  scheduled = false
  let budget = SYNC_BATCH
  const deadline = performance.now() + SYNC_TURN_MS
  while (budget > 0 && runs.length > 0 && performance.now() < deadline) {
    const run = runs[0] as Run
    let failure: Error | null = null
    try {
      while (budget > 0 && run.next < run.items.length) {
        run.each(run.items[run.next++])
        budget = performance.now() >= deadline ? 0 : budget - 1
      }
    } catch (error) {
      failure = error as Error
    }
    if (failure || run.next === run.items.length) {
      runs.shift()
      // After this turn's runs: a callback that throws cannot leave the queue unscheduled.
      queueMicrotask(() => run.done(failure))
    }
  }
  if (runs.length > 0 && !scheduled) {
    scheduled = true
    setImmediate(drain)
  }
}

/**
 * Run `each` over `items` synchronously, stopping at the first error, then call `done`, always
 * asynchronously. All callers share one queue: at most SYNC_BATCH items (and about SYNC_TURN_MS)
 * run per turn of the event loop in the whole process, however many reads and writes are waiting.
 */
export function inBatches<T>(
  items: readonly T[],
  each: (item: T) => void,
  done: (error: Error | null) => void,
): void {
  runs.push({ items, next: 0, each: each as (item: unknown) => void, done })
  if (!scheduled) {
    scheduled = true
    setImmediate(drain)
  }
}
