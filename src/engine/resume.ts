/** Bringing back the persisted torrent list when the engine opens. */
import { isVouchError } from '../errors.ts'
import { readStoredTorrentFile, resolveSource, type TorrentSource } from './source.ts'
import type { RememberedTorrent } from './torrent-list.ts'
import type { AddOptions } from './engine-options.ts'

export type ResumeAdd = (source: TorrentSource, options: AddOptions) => Promise<unknown>

function optionsOf(entry: RememberedTorrent): AddOptions {
  const addedAt = Date.parse(entry.addedAt)
  return {
    downloadDir: entry.downloadDir,
    allowUnsigned: entry.allowUnsigned,
    remember: false,
    paused: entry.paused ?? false,
    peers: entry.peers ?? [],
    ...(entry.files ? { files: entry.files } : {}),
    ...(entry.limits ? { limits: entry.limits } : {}),
    ...(Number.isFinite(addedAt) ? { addedAt } : {}),
  }
}

/** What resuming `entry` reads before it adds: its stored .torrent (read at once), or its magnet, resolved. */
export function readEntry(entry: RememberedTorrent): Promise<TorrentSource> {
  return entry.torrentFile
    ? readStoredTorrentFile(entry.torrentFile)
    : resolveSource(entry.magnet ?? entry.infoHash)
}

/** Entries whose sources are read ahead of the one being added (reading is I/O; adds go in order). */
export const READ_AHEAD = 16

/**
 * Resume `entries` one after another, in order (the list's order is the torrents' order), while the
 * next READ_AHEAD entries are already read and decoded (a magnet resolved): with 2 000 torrents,
 * waiting for each in turn was most of the time until serving.
 */
export async function resumeInOrder(
  entries: readonly RememberedTorrent[],
  add: ResumeAdd,
  onError: (entry: RememberedTorrent, error: Error) => void,
): Promise<void> {
  const reads = new Map<number, Promise<TorrentSource>>()
  const readAhead = (index: number) => {
    const entry = entries[index]
    if (!entry || reads.has(index)) return
    const read = readEntry(entry)
    // Handled where it is awaited; this keeps a failure that arrives first from counting as unhandled.
    read.catch(() => undefined)
    reads.set(index, read)
  }
  for (let index = 0; index < READ_AHEAD; index++) readAhead(index)
  for (const [index, entry] of entries.entries()) {
    readAhead(index + READ_AHEAD)
    const read = reads.get(index) ?? readEntry(entry)
    reads.delete(index)
    await resumeEntry(entry, add, read).catch((error: Error) => onError(entry, error))
  }
}

/**
 * Add one remembered torrent again. A magnet the provenance gate held when its metadata arrived
 * has a stored .torrent but no accepted envelope: from the file it would be refused as unsigned
 * (and dropped), so it comes back as the magnet it was, held again.
 */
export async function resumeEntry(
  entry: RememberedTorrent,
  add: ResumeAdd,
  source: Promise<TorrentSource> = readEntry(entry),
): Promise<void> {
  const options = optionsOf(entry)
  if (!entry.torrentFile) {
    await add(await source, options)
    return
  }
  try {
    await add(await source, options)
  } catch (error) {
    // Only "unsigned": a signature that no longer passes (unpinned, revoked) must stay refused.
    const unsigned = isVouchError(error) && error.code === 'refused' && error.details.code === 'unsigned'
    if (!entry.magnet || entry.allowUnsigned || !unsigned) throw error
    await add(await resolveSource(entry.magnet), options)
  }
}
