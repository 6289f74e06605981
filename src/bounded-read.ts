/**
 * Reading a file the user named (a key, a blocklist, a trust file, a .torrent) without trusting
 * it: only a regular file is read (a FIFO would block forever, /dev/zero never ends, a directory
 * is a mistake), and never more than the format's limit, checked before and while reading rather
 * than after reading it all.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { VouchError } from './errors.ts'

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * The bytes of `file`, at most `maxBytes`. Throws VouchError('bad-input') naming the file when it
 * cannot be read, is not a regular file, or is larger than `maxBytes` (`what` names the format).
 */
export async function readBoundedFile(
  file: string,
  maxBytes: number,
  what: string,
  /** Further checks on the opened file's stats (e.g. a secret key's mode); throws to refuse. */
  check?: (stats: Stats) => void,
): Promise<Buffer> {
  let handle
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new VouchError(
      'bad-input',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { file, errno: (error as NodeJS.ErrnoException).code },
    )
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile())
      throw new VouchError('bad-input', `${file} is ${kindOf(stats)}, not a ${what} file`, { file })
    const tooLarge = () => tooLargeError(file, maxBytes, what)
    check?.(stats)
    if (stats.size > maxBytes) throw tooLarge()
    // The file may grow while we read: read at most one byte past the limit to notice.
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, stats.size + 1))
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge()
        const grown = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2))
        buffer.copy(grown)
        buffer = grown
      }
      const wanted = buffer.length - length
      const { bytesRead } = await handle.read(buffer, length, wanted, length)
      length += bytesRead
      // A regular file reads short only at its end: no second read to be told so.
      if (bytesRead < wanted) break
    }
    if (length > maxBytes) throw tooLarge()
    return buffer.subarray(0, length)
  } catch (error) {
    if (error instanceof VouchError) throw error
    throw new VouchError(
      'bad-input',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        file,
      },
    )
  } finally {
    await handle.close()
  }
}

/**
 * The same, synchronously: for reads that must finish inside an event handler, and for Vouch's own
 * small files read by the hundred (a resume's stored .torrent copies), where the four thread-pool
 * round trips of an async read cost several times the read.
 */
export function readBoundedFileSync(
  file: string,
  maxBytes: number,
  what: string,
  check?: (stats: Stats) => void,
): Buffer {
  let descriptor: number
  try {
    descriptor = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new VouchError(
      'bad-input',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        file,
        errno: (error as NodeJS.ErrnoException).code,
      },
    )
  }
  try {
    const stats = fstatSync(descriptor)
    if (!stats.isFile())
      throw new VouchError('bad-input', `${file} is ${kindOf(stats)}, not a ${what} file`, { file })
    check?.(stats)
    if (stats.size > maxBytes) throw tooLargeError(file, maxBytes, what)
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, stats.size + 1))
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLargeError(file, maxBytes, what)
        const grown = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2))
        buffer.copy(grown)
        buffer = grown
      }
      const wanted = buffer.length - length
      const bytesRead = readSync(descriptor, buffer, length, wanted, length)
      length += bytesRead
      if (bytesRead < wanted) break
    }
    if (length > maxBytes) throw tooLargeError(file, maxBytes, what)
    return buffer.subarray(0, length)
  } finally {
    closeSync(descriptor)
  }
}

function tooLargeError(file: string, maxBytes: number, what: string): VouchError {
  return new VouchError(
    'bad-input',
    `${file} is larger than ${maxBytes} bytes, the limit for a ${what} file`,
    {
      file,
      maxBytes,
    },
  )
}
