/**
 * The chunk store every torrent's data goes through: fs-chunk-store's layout (the torrent's files
 * under the download directory, each chunk mapped onto the files it spans), but with the open files
 * of every torrent in one bounded pool (file-pool.ts). fs-chunk-store keeps a descriptor per file
 * for as long as the torrent lives, so a torrent of 20 000 files needs 20 000 of them and fails
 * with EMFILE under a common `ulimit -n` of 256 or 1024; here at most MAX_OPEN_FILES are open at a
 * time in the whole process, least recently used closed first (never one an operation is using).
 * Files of at most SMALL_FILE bytes skip the pool: each is opened, read or written and closed in
 * one synchronous step (small-files.ts), so they add one descriptor at most, for a call's length.
 *
 * A read never creates anything: WebTorrent's start-up check reads every piece of a new torrent,
 * and a missing file must fail that read at once, not be created empty. Only a write creates files.
 */
import { read, write } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { TorrentOptions } from 'webtorrent'
import { type Done, filePool } from './file-pool.ts'
import { inBatches, readSmall, SMALL_FILE, writeSmall } from './small-files.ts'
import { waitAtMost } from './wait-at-most.ts'

/** The longest `destroy` waits for writes under way before it removes the files. */
const DESTROY_WAIT_MS = 5_000

interface Span {
  file: string
  /** Small enough to read and write synchronously (see small-files.ts). */
  small: boolean
  /** Where in the chunk this file's part starts and ends. */
  from: number
  to: number
  /** Where in the file it starts. */
  offset: number
}

interface StoreFile {
  path: string
  length: number
  offset?: number
}

/** Characters fs-chunk-store strips from file names; kept so existing downloads are found again. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped
const RESERVED_FILENAME = /[<>:"/\\|?*\u0000-\u001F]/g

export class FileChunkStore {
  readonly chunkLength: number
  readonly length: number
  readonly files: { path: string; length: number; offset: number }[]
  #closed = false
  /**
   * Files a read found missing (and no write has made since). WebTorrent's start-up check reads
   * every piece of a new torrent, two at a time: without this each piece of a large file not there
   * yet would be its own failed open on the thread pool (4,096 of them, 0.4 s before a 1 GiB
   * download starts); with it, the first fails and the rest fail at once. Kept per store, so a
   * torrent added again looks at the disk again. A file this store has written to is never put in
   * it (a read's open can fail just before a write's creates the file).
   */
  readonly #missing = new Set<string>()
  readonly #written = new Set<string>()
  /** Pooled writes started and not finished, which `destroy` waits for before removing files. */
  #writing = 0
  #idle: (() => void)[] = []
  readonly #lastIndex: number
  readonly #lastLength: number

  constructor(chunkLength: number, options: { files?: StoreFile[]; path?: string; length?: number } = {}) {
    this.chunkLength = Number(chunkLength)
    if (!this.chunkLength) throw new Error('First argument must be a chunk length')
    if (!Array.isArray(options.files)) throw new Error('FileChunkStore needs the torrent’s files')
    let offset = 0
    // Each directory resolved once: a torrent of 20 000 files in a few directories resolved every
    // file's (about 40 ms, in every add and resume).
    const bases = new Map<string, string>()
    this.files = options.files.map((file) => {
      const directory = path.dirname(file.path)
      const name = path.basename(file.path).replace(RESERVED_FILENAME, '')
      let base = bases.get(directory)
      if (base === undefined) {
        base = options.path ? path.resolve(options.path, directory) : path.resolve(directory)
        bases.set(directory, base)
      }
      const entry = { path: path.join(base, name), length: file.length, offset: file.offset ?? offset }
      offset = entry.offset + entry.length
      return entry
    })
    this.length = this.files.reduce((sum, file) => sum + file.length, 0)
    if (options.length != null && options.length !== this.length)
      throw new Error('total `files` length is not equal to explicit `length` option')
    this.#lastIndex = Math.ceil(this.length / this.chunkLength) - 1
    this.#lastLength = this.length % this.chunkLength || this.chunkLength
  }

  /** The parts of files chunk `index` covers, from `rangeFrom` to `rangeTo` within the chunk. */
  #spans(index: number, rangeFrom: number, rangeTo: number): Span[] {
    const start = index * this.chunkLength
    const spans: Span[] = []
    // Binary search for the first file ending after the range starts (files are in offset order).
    let low = 0
    let high = this.files.length
    while (low < high) {
      const middle = (low + high) >> 1
      const file = this.files[middle]
      if (file && file.offset + file.length <= start + rangeFrom) low = middle + 1
      else high = middle
    }
    for (let at = low; at < this.files.length; at++) {
      const file = this.files[at]
      if (!file || file.offset >= start + rangeTo) break
      const from = Math.max(file.offset, start + rangeFrom) - start
      const to = Math.min(file.offset + file.length, start + rangeTo) - start
      if (to > from)
        spans.push({
          file: file.path,
          small: file.length <= SMALL_FILE,
          from,
          to,
          offset: start + from - file.offset,
        })
    }
    return spans
  }

  #chunkLengthOf(index: number): number {
    return index === this.#lastIndex ? this.#lastLength : this.chunkLength
  }

  put(index: number, buffer: Uint8Array, cb: Done = () => {}): void {
    if (this.#closed) return queueMicrotask(() => cb(new Error('Storage is closed')))
    const expected = this.#chunkLengthOf(index)
    if (index < 0 || index > this.#lastIndex || buffer.length !== expected)
      return queueMicrotask(() => cb(new Error(`Chunk ${index} must be ${expected} bytes`)))
    const spans = this.#spans(index, 0, expected)
    for (const span of spans) {
      this.#missing.delete(span.file)
      this.#written.add(span.file)
    }
    const { direct, pooled } = split(spans)
    let pending = pooled.length + (direct.length > 0 ? 1 : 0)
    let failed = false
    const done = (error: Error | null) => {
      if (failed) return
      if (error) {
        failed = true
        return cb(error)
      }
      if (--pending === 0) cb(null)
    }
    if (pending === 0) return queueMicrotask(() => cb(null))
    if (direct.length > 0)
      inBatches(
        direct,
        (span) => {
          // A burst waits its turns in the shared queue; once the store is closed (the torrent
          // removed, its data being deleted) the rest of it must not create the files again.
          if (this.#closed) throw new Error('Storage is closed')
          writeSmall(span.file, buffer.subarray(span.from, span.to), span.offset, filePool.madeDirs)
          filePool.wrote(span.file, span.offset + span.to - span.from)
        },
        done,
      )
    for (const span of pooled) {
      this.#writing++
      const finish = (error: Error | null) => {
        if (--this.#writing === 0) for (const resolve of this.#idle.splice(0)) resolve()
        done(error)
      }
      filePool.with(
        span.file,
        (fd, release) =>
          writeAll(fd, buffer.subarray(span.from, span.to), span.offset, (error) => {
            if (!error) filePool.wrote(span.file, span.offset + span.to - span.from)
            release()
            // Closed while this was under way: its descriptor was busy then, so close it now.
            if (this.#closed) filePool.forget(span.file)
            finish(error)
          }),
        finish,
        true,
        () => this.#closed,
      )
    }
  }

  get(
    index: number,
    options:
      { offset?: number; length?: number } | null | ((error: Error | null, buffer?: Uint8Array) => void),
    cb?: (error: Error | null, buffer?: Uint8Array) => void,
  ): void {
    const callback = typeof options === 'function' ? options : (cb ?? (() => {}))
    const range = typeof options === 'function' ? null : options
    if (this.#closed) return queueMicrotask(() => callback(new Error('Storage is closed')))
    const chunkLength = this.#chunkLengthOf(index)
    const from = range?.offset ?? 0
    const to = range?.length ? from + range.length : chunkLength
    if (index < 0 || index > this.#lastIndex || from < 0 || to > chunkLength || from > to)
      return queueMicrotask(() => callback(new Error('Invalid offset and/or length')))
    const spans = this.#spans(index, from, to)
    if (
      spans.some(
        (span) =>
          this.#missing.has(span.file) || filePool.endsBefore(span.file, span.offset + span.to - span.from),
      )
    )
      return queueMicrotask(() => callback(new Error('Could not satisfy length')))
    const result = Buffer.alloc(to - from)
    const { direct, pooled } = split(spans)
    let pending = pooled.length + (direct.length > 0 ? 1 : 0)
    let failed = false
    if (pending === 0) return queueMicrotask(() => callback(null, result))
    const fail = (error: Error | null) => {
      if (failed) return
      failed = true
      callback(error ?? new Error('read failed'))
    }
    if (direct.length > 0)
      inBatches(
        direct,
        (span) => {
          if (
            readSmall(span.file, result, span.from - from, span.to - span.from, span.offset) !==
            span.to - span.from
          )
            throw new Error('Could not satisfy length')
        },
        (error) => {
          if (error) return fail(error)
          if (--pending === 0 && !failed) callback(null, result)
        },
      )
    for (const span of pooled) {
      filePool.with(
        span.file,
        (fd, release) =>
          read(fd, result, span.from - from, span.to - span.from, span.offset, (error, bytesRead) => {
            release()
            if (this.#closed) filePool.forget(span.file)
            if (error) return fail(error)
            if (bytesRead !== span.to - span.from) return fail(new Error('Could not satisfy length'))
            if (--pending === 0 && !failed) callback(null, result)
          }),
        (error) => {
          if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT' && !this.#written.has(span.file))
            this.#missing.add(span.file)
          fail(error)
        },
        false,
        () => this.#closed,
      )
    }
  }

  close(cb: Done = () => {}): void {
    if (this.#closed) return queueMicrotask(() => cb(new Error('Storage is closed')))
    this.#closed = true
    for (const file of this.files) filePool.forget(file.path)
    queueMicrotask(() => cb(null))
  }

  /**
   * Close, then remove the files once the writes already under way have finished: one still
   * opening its file would otherwise create it again after the removal (queued ones fail at close).
   */
  destroy(cb: Done = () => {}): void {
    this.close(() => {
      // Bounded: a write stuck on something that is not a regular file must not hold the removal.
      const writes =
        this.#writing === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#idle.push(resolve))
      waitAtMost(writes, DESTROY_WAIT_MS)
        .then(() => Promise.all(this.files.map((file) => rm(file.path, { force: true, maxRetries: 10 }))))
        .then(
          () => cb(null),
          (error: Error) => cb(error),
        )
    })
  }
}

/**
 * The spans of small files no descriptor is open for, done directly (small-files.ts), and the rest,
 * done through the pool: a file the pool has open is used through its descriptor.
 */
function split(spans: Span[]): { direct: Span[]; pooled: Span[] } {
  const direct: Span[] = []
  const pooled: Span[] = []
  for (const span of spans) (span.small && !filePool.has(span.file) ? direct : pooled).push(span)
  return { direct, pooled }
}

function writeAll(fd: number, data: Uint8Array, position: number, cb: Done): void {
  write(fd, data, 0, data.length, position, (error, written) => {
    if (error) return cb(error)
    if (written < data.length) return writeAll(fd, data.subarray(written), position + written, cb)
    cb(null)
  })
}

/**
 * Every torrent's data goes through the bounded FileChunkStore: as the store itself, or as the one a
 * plugin's store (provenance's gated store) opens once it allows writes.
 */
export function withFileStore(options: TorrentOptions): TorrentOptions {
  if (options.store === undefined) return { ...options, store: FileChunkStore }
  return { ...options, storeOpts: { ...options.storeOpts, innerStore: FileChunkStore } }
}
