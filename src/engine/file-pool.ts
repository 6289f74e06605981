/**
 * The open files of every torrent's chunk store (file-store.ts) in one bounded pool: at most
 * MAX_OPEN_FILES descriptors in the whole process, least recently used closed first (never one an
 * operation is using), so a torrent of 20 000 files runs under a common `ulimit -n` of 256.
 */
import { closeSync, constants, fstat, mkdir, open, close } from 'node:fs'
import path from 'node:path'

export const MAX_OPEN_FILES = 128

export type Done = (error: Error | null) => void

/** Open descriptors by path, in least-recently-used order, shared by every store of the process. */
export class FilePool {
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
