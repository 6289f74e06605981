/**
 * Synchronous I/O for small files. A read or write of a few KiB through the libuv thread pool costs
 * three round trips (open, read or write, close), each a hand-off to a pool thread and back; for a
 * torrent of 20 000 tiny files those round trips, not the bytes, are the whole cost. Done on the
 * calling thread, the same three system calls take microseconds from the page cache, and the file
 * is closed again before the call returns, so it never holds a descriptor.
 *
 * Callers keep each synchronous run short: at most SYNC_BATCH files before they yield to the event
 * loop, so a piece spanning thousands of files does not stall peers or the UI.
 */
import { closeSync, constants, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import path from 'node:path'

/** Files of at most this many bytes are read and written synchronously. */
export const SMALL_FILE = 64 * 1024

/** At most this many small files are handled in one synchronous run before yielding. */
export const SYNC_BATCH = 256

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
  const fd = openSync(file, constants.O_RDONLY)
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
  if (!madeDirs.has(directory)) {
    mkdirSync(directory, { recursive: true })
    madeDirs.add(directory)
  }
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o666)
  try {
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done)
  } finally {
    closeSync(fd)
  }
}

/**
 * Run `each` over `items` synchronously, SYNC_BATCH at a time with a turn of the event loop between
 * batches; stops at the first error. `done` is always called asynchronously.
 */
export function inBatches<T>(
  items: readonly T[],
  each: (item: T) => void,
  done: (error: Error | null) => void,
): void {
  let next = 0
  const run = () => {
    const end = Math.min(items.length, next + SYNC_BATCH)
    try {
      for (; next < end; next++) each(items[next] as T)
    } catch (error) {
      return done(error as Error)
    }
    if (next < items.length) setImmediate(run)
    else done(null)
  }
  queueMicrotask(run)
}
