/** Building a torrent from local data and seeding it. */
import path from 'node:path'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { VouchError } from '../errors.ts'
import type { SeedOptions } from './engine-options.ts'
import { FileChunkStore } from './file-store.ts'

/**
 * Seed a file or directory: hashes the data and resolves once the torrent is seeding.
 * `onCreated` sees the torrent at once, before hashing, so its events are not missed.
 */
export function seedLocalData(
  client: WebTorrent,
  dataPath: string,
  options: SeedOptions,
  onCreated: (torrent: Torrent) => void,
): Promise<Torrent> {
  const absolute = path.resolve(dataPath)
  return new Promise<Torrent>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(new VouchError('bad-input', `cannot seed ${dataPath}: ${error.message}`))
    client.once('error', onError)
    const seeded = client.seed(
      absolute,
      {
        ...(options.announce ? { announceList: [options.announce] } : {}),
        ...(options.pieceLength ? { pieceLength: options.pieceLength } : {}),
        path: path.dirname(absolute),
        store: FileChunkStore,
      },
      (torrent) => {
        client.off('error', onError)
        resolve(torrent)
      },
    )
    onCreated(seeded)
  })
}
