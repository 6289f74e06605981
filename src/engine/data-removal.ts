/**
 * "Remove and delete the downloaded data": the torrent's own files, and the folders the torrent
 * created for them once they are empty. Nothing outside the save path is ever touched, whatever
 * the paths inside the metadata say, and the save path itself is kept (it is the user's folder).
 */
import { readdir, rm, rmdir } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'

export interface DataFile {
  /** Relative to the save path, as in the metadata (`name` or `name/sub/file`). */
  path: string
}

/** `relative` resolved under `savePath`, or null when it would land outside it (or on it). */
export function insideSavePath(savePath: string, relative: string): string | null {
  const root = path.resolve(savePath)
  const full = path.resolve(root, relative)
  return full.startsWith(root + path.sep) ? full : null
}

/** Delete the files of a torrent under `savePath`; returns how many files were deleted. */
export async function deleteTorrentData(savePath: string, files: readonly DataFile[]): Promise<number> {
  const root = path.resolve(savePath)
  const targets = files.map((file) => {
    const full = insideSavePath(root, file.path)
    if (!full) {
      throw new VouchError('bad-input', `refusing to delete '${file.path}': it is outside ${root}`, {
        path: file.path,
        savePath: root,
      })
    }
    return full
  })
  let deleted = 0
  const folders = new Set<string>()
  for (const target of targets) {
    const existed = await rm(target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw new VouchError('internal', `cannot delete ${target}: ${error.message}`)
      },
    )
    if (existed) deleted++
    for (let dir = path.dirname(target); dir !== root && dir.startsWith(root + path.sep);) {
      folders.add(dir)
      dir = path.dirname(dir)
    }
  }
  // Deepest first, and only when empty: a folder holding anything else the user put there stays.
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) {
    const entries = await readdir(folder).catch(() => null)
    if (entries && entries.length === 0) await rmdir(folder).catch(() => undefined)
  }
  return deleted
}
