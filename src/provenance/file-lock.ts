/**
 * An exclusive lock between processes: the file `lock`, created with O_EXCL, holding the owner's
 * pid. A live owner is waited for. A lock is taken over when its owner is no longer running, or
 * when it holds no readable pid (a crash between creating and writing it) and is older than
 * LOCK_STALE_MS, so no write can be blocked forever by a leftover.
 */
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { makePrivateDir } from '../private-files.ts'

/** How long a change waits for another process's lock before giving up. */
export const LOCK_WAIT_MS = 10_000
/** A lock without a readable pid older than this is a leftover, not one being written. */
export const LOCK_STALE_MS = 3_000
const LOCK_RETRY_MS = 15

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove the stale lock whose inode is `inode`, and only that one: another process may have
 * taken it over and made a fresh lock meanwhile. The rename moves whatever is there now; if that
 * was a fresh lock, it is linked back (unless yet another appeared) before the moved name goes.
 */
async function removeStale(lock: string, inode: number): Promise<void> {
  const moved = `${lock}.stale.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    await rename(lock, moved)
  } catch {
    return
  }
  const movedInode = await stat(moved).then(
    (info) => info.ino,
    () => -1,
  )
  if (movedInode !== inode) await link(moved, lock).catch(() => undefined)
  await unlink(moved).catch(() => undefined)
}

export async function acquireLock(lock: string, now: () => number = Date.now): Promise<() => Promise<void>> {
  const deadline = now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600)
      try {
        await handle.writeFile(`${process.pid}\n`)
      } finally {
        await handle.close()
      }
      return () => unlink(lock).catch(() => undefined)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const info = await stat(lock).catch(() => null)
    if (info) {
      const text = await readFile(lock, 'utf8').catch(() => '')
      const owner = /^\d{1,10}\n?$/.test(text) ? Number(text.trim()) : Number.NaN
      const readable = Number.isSafeInteger(owner) && owner > 0
      const dead = readable && !isRunning(owner)
      const leftover = !readable && now() - info.mtimeMs > LOCK_STALE_MS
      if (dead || leftover) {
        await removeStale(lock, info.ino)
        continue
      }
      if (now() > deadline)
        throw new VouchError(
          'internal',
          readable
            ? `the trust store is locked by running process ${owner} (${lock}); try again when it is done`
            : `the trust store's lock ${lock} is being created; try again`,
          { lock },
        )
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))
  }
}

/**
 * Read, change and write one JSON file so that no change is lost: changes from this process wait
 * for each other (a promise chain), other processes wait for FILE.lock, and the write is atomic
 * (a 0600 temp file, fsync, rename), so a crash leaves the old file or the new one, never an empty
 * one. The directory is created private (0700). trust.json and feeds.json both change this way.
 */
export class LockedJsonFile<F> {
  #writing: Promise<void> = Promise.resolve()

  readonly file: string
  readonly #load: () => Promise<F>

  constructor(file: string, load: () => Promise<F>) {
    this.file = file
    this.#load = load
  }

  update<T>(change: (file: F) => T): Promise<T> {
    const result = this.#writing.then(async () => {
      makePrivateDir(path.dirname(this.file))
      const release = await acquireLock(`${this.file}.lock`)
      try {
        const file = await this.#load()
        const value = change(file)
        const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
        const handle = await open(temp, 'wx', 0o600)
        try {
          await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, this.file)
        return value
      } finally {
        await release()
      }
    })
    this.#writing = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}
