/** Bringing back the persisted torrent list when the engine opens. */
import { isVouchError } from '../errors.ts'
import { readTorrentFile, resolveSource, type TorrentSource } from './source.ts'
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

/**
 * Add one remembered torrent again. A magnet the provenance gate held when its metadata arrived
 * has a stored .torrent but no accepted envelope: from the file it would be refused as unsigned
 * (and dropped), so it comes back as the magnet it was, held again.
 */
export async function resumeEntry(entry: RememberedTorrent, add: ResumeAdd): Promise<void> {
  const options = optionsOf(entry)
  if (!entry.torrentFile) {
    await add(await resolveSource(entry.magnet ?? entry.infoHash), options)
    return
  }
  try {
    await add(await readTorrentFile(entry.torrentFile), options)
  } catch (error) {
    // Only "unsigned": a signature that no longer passes (unpinned, revoked) must stay refused.
    const unsigned = isVouchError(error) && error.code === 'refused' && error.details.code === 'unsigned'
    if (!entry.magnet || entry.allowUnsigned || !unsigned) throw error
    await add(await resolveSource(entry.magnet), options)
  }
}
