/**
 * The chunk store every torrent's data goes through: fs-chunk-store's layout (the torrent's files
 * under the download directory, each chunk mapped onto the files it spans), but with the open files
 * of every torrent in one bounded pool. fs-chunk-store keeps a descriptor per file for as long as
 * the torrent lives, so a torrent of 20 000 files needs 20 000 of them and fails with EMFILE under
 * a common `ulimit -n` of 256 or 1024; here at most MAX_OPEN_FILES are open at a time in the whole
 * process, least recently used closed first (never one an operation is using). Files of at most
 * SMALL_FILE bytes skip the pool: each is opened, read or written and closed in one synchronous
 * step (small-files.ts), so they add one descriptor at most, for the length of a call.
 *
 * A read never creates anything: WebTorrent's start-up check reads every piece of a new torrent,
 * and a missing file must fail that read at once, not be created empty. Only a write creates files.
 */
import { closeSync, constants, fstat, mkdir, open, close, read, write } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { TorrentOptions } from 'webtorrent'
import { inBatches, readSmall, SMALL_FILE, writeSmall } from './small-files.ts'

export const MAX_OPEN_FILES = 128

/** The longest `destroy` waits for writes under way before it removes the files. */
const DESTROY_WAIT_MS = 5_000

type Done = (error: Error | null) => void

/** Open descriptors by path, in least-recently-used order, shared by every store of the process. */
class FilePool {
  readonly #idle = new Map<string, number>()
  readonly #busy = new Map<string, { fd: number; users: number }>()
  readonly #opening = new Map<string, ((error: Error | null, fd?: number) => void)[]>()
  /** Directories made (or found) by this process, so each is made once. */
  readonly madeDirs = new Set<string>()
  /**
   * Bytes each open file holds (fstat at open, grown by this process's writes), so a read past the
   * end fails at once: WebTorrent checks every piece of a new torrent at start, and a round trip
   * to the thread pool for each, to read nothing, made that 5× slower than fs-chunk-store's.
   * Forgotten when the descriptor closes.
   */
  readonly #sizes = new Map<string, number>()
  /**
   * Operations waiting for a descriptor to be free: every open one is in use. Each says whether it
   * started; one whose store closed meanwhile fails at once, and the next is taken instead.
   */
  readonly #queue: (() => boolean)[] = []
  limit = MAX_OPEN_FILES

  get openCount(): number {
    return this.#idle.size + this.#busy.size
  }

  /** Whether `file` has a descriptor, open or being opened. */
  has(file: string): boolean {
    return this.#busy.has(file) || this.#idle.has(file) || this.#opening.has(file)
  }

  /**
   * Run `use` with a descriptor for `file`. With `create`, a missing file is created with its
   * directories (a write); without, a missing file fails with ENOENT and nothing is created (a read).
   * An operation that has to wait for a free descriptor fails instead of starting once `closed()`
   * says its store has closed: a queued write must not create its file again after the torrent was
   * removed with its data.
   */
  with(
    file: string,
    use: (fd: number, release: () => void) => void,
    fail: Done,
    create: boolean,
    closed: () => boolean = () => false,
  ): void {
    const busy = this.#busy.get(file)
    if (busy) {
      busy.users++
      return use(busy.fd, () => this.#release(file))
    }
    const idle = this.#idle.get(file)
    if (idle !== undefined) {
      this.#idle.delete(file)
      this.#busy.set(file, { fd: idle, users: 1 })
      return use(idle, () => this.#release(file))
    }
    const waiting = this.#opening.get(file)
    const onOpen = (error: Error | null, fd?: number) => {
      // A write that joined another's open (a read's, of a file not there yet) opens it again,
      // creating it; once: the open it starts itself fails for good.
      if (waiting && create && (error as NodeJS.ErrnoException | null)?.code === 'ENOENT')
        return this.with(file, use, fail, create, closed)
      if (error || fd === undefined) return fail(error ?? new Error(`cannot open ${file}`))
      const entry = this.#busy.get(file)
      if (entry) entry.users++
      else this.#busy.set(file, { fd, users: 1 })
      use(fd, () => this.#release(file))
    }
    if (waiting) return void waiting.push(onOpen)
    if (this.openCount + this.#opening.size >= this.limit && this.#idle.size === 0)
      return void this.#queue.push(() => {
        if (closed()) {
          fail(new Error('Storage is closed'))
          return false
        }
        this.with(file, use, fail, create, closed)
        return true
      })
    this.#opening.set(file, [onOpen])
    this.#makeRoom()
    const finish = (error: Error | null, fd?: number) => {
      const callbacks = this.#opening.get(file) ?? []
      this.#opening.delete(file)
      if (!error && fd !== undefined) this.#busy.set(file, { fd, users: 0 })
      for (const callback of callbacks) callback(error, fd)
      if (error) this.#next()
    }
    const directory = path.dirname(file)
    const openFile = (madeNow: boolean) =>
      open(file, constants.O_RDWR | (create ? constants.O_CREAT : 0), 0o666, (error, fd) => {
        // The directory was made earlier and has gone since (removed by hand, or emptied and
        // removed with another torrent's data): make it again, once.
        if (error?.code === 'ENOENT' && create && !madeNow) {
          this.madeDirs.delete(directory)
          return makeDirectory()
        }
        if (error) return finish(error)
        fstat(fd, (statError, stats) => {
          if (!statError) this.#sizes.set(file, stats.size)
          finish(null, fd)
        })
      })
    const makeDirectory = () =>
      mkdir(directory, { recursive: true }, (error) => {
        if (error) return finish(error)
        this.madeDirs.add(directory)
        openFile(true)
      })
    if (!create) return openFile(true)
    if (this.madeDirs.has(directory)) return openFile(false)
    makeDirectory()
  }

  /** Whether `file` is open and known to end before `end` (so reading up to there must fail). */
  endsBefore(file: string, end: number): boolean {
    const size = this.#sizes.get(file)
    return size !== undefined && size < end
  }

  /** This process wrote up to `end` of `file`. */
  wrote(file: string, end: number): void {
    const size = this.#sizes.get(file)
    if (size !== undefined && size < end) this.#sizes.set(file, end)
  }

  /** Close `file`'s descriptor once nothing uses it (the store closing). */
  forget(file: string): void {
    const idle = this.#idle.get(file)
    if (idle === undefined) return
    this.#idle.delete(file)
    this.#sizes.delete(file)
    close(idle, () => {})
  }

  #release(file: string): void {
    const entry = this.#busy.get(file)
    if (!entry || --entry.users > 0) return
    this.#busy.delete(file)
    this.#idle.set(file, entry.fd)
    this.#makeRoom()
    this.#next()
  }

  /** Start the first waiting operation whose store is still open. */
  #next(): void {
    for (let queued = this.#queue.shift(); queued; queued = this.#queue.shift()) if (queued()) return
  }

  #makeRoom(): void {
    while (this.openCount + this.#opening.size > this.limit && this.#idle.size > 0) {
      const [oldest, fd] = this.#idle.entries().next().value as [string, number]
      this.#idle.delete(oldest)
      this.#sizes.delete(oldest)
      closeSync(fd)
    }
  }
}

/** The one pool of the process (exported for tests and benches that check the bound). */
export const filePool = new FilePool()

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
    this.files = options.files.map((file) => {
      const directory = path.dirname(file.path)
      const name = path.basename(file.path).replace(RESERVED_FILENAME, '')
      const base = options.path ? path.resolve(options.path, directory) : path.resolve(directory)
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
      const settled =
        this.#writing === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#idle.push(resolve)
              setTimeout(resolve, DESTROY_WAIT_MS).unref()
            })
      settled
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
