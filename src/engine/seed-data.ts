/**
 * Building a torrent from local data and seeding it. The data is hashed here, not by client.seed,
 * so the infohash is known before WebTorrent sees the torrent: the engine hands it over through
 * its add queue (add-queue.ts), and a seed racing another seed or an add of the same torrent
 * answers as if made after it (docs/decisions.md, "Concurrent adds of one torrent").
 */
import path from 'node:path'
import { announceList as DEFAULT_ANNOUNCE } from 'create-torrent'
import type { ParsedTorrent } from 'parse-torrent'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { VouchError } from '../errors.ts'
import type { SeedOptions } from './engine-options.ts'
import { FileChunkStore } from './file-store.ts'
import { parseTorrentBytes } from './source.ts'
import { makeTorrent } from './torrent-create.ts'

/**
 * The torrent of a file or directory, decoded: the .torrent client.seed would make (the same info,
 * so the same infohash; the same trackers, create-torrent's public list without `announce`), built
 * as `vouch create` builds it. Unreadable data is VouchError('bad-input').
 */
export async function torrentOfData(dataPath: string, options: SeedOptions): Promise<ParsedTorrent> {
  try {
    const { bytes } = await makeTorrent(path.resolve(dataPath), {
      createdBy: 'Vouch',
      announceList: options.announce ? [options.announce] : DEFAULT_ANNOUNCE,
      ...(options.pieceLength ? { pieceLength: options.pieceLength } : {}),
    })
    return await parseTorrentBytes(bytes)
  } catch (error) {
    throw new VouchError('bad-input', `cannot seed ${dataPath}: ${(error as Error).message}`)
  }
}

/** A torrent handed to WebTorrent to seed; `announced` settles as client.seed's callback would. */
export interface Seeding {
  torrent: Torrent
  /** The folder WebTorrent reads the data from: the data's parent directory. */
  savePath: string
  /** Settles once the DHT has been told (at once with the DHT off), or the torrent has closed. */
  announced: Promise<void>
}

/**
 * Hand the torrent of `dataPath` (torrentOfData) to WebTorrent, its pieces taken as verified, and
 * resolve once it is ready. `onCreated` sees the torrent at once, so its events are not missed.
 */
export function startSeeding(
  client: WebTorrent,
  parsed: ParsedTorrent,
  dataPath: string,
  onCreated: (torrent: Torrent) => void,
): Promise<Seeding> {
  const savePath = path.dirname(path.resolve(dataPath))
  return new Promise<Seeding>((resolve, reject) => {
    const torrent = client.add({ ...parsed }, { path: savePath, store: FileChunkStore, skipVerify: true })
    // WebTorrent emits a torrent's error, then its close: the first one seen is the reason.
    const fail = (reason: string) => reject(new VouchError('bad-input', `cannot seed ${dataPath}: ${reason}`))
    const onError = (error: Error) => fail(error.message)
    const onClose = () => fail('the torrent was closed before it was ready')
    torrent.once('error', onError)
    torrent.once('close', onClose)
    torrent.once('ready', () => {
      torrent.off('error', onError)
      torrent.off('close', onClose)
      resolve({ torrent, savePath, announced: dhtAnnounced(client, torrent) })
    })
    onCreated(torrent)
  })
}

/** client.seed waits for the torrent's first DHT announce when the DHT is on; so does a seed here. */
function dhtAnnounced(client: WebTorrent, torrent: Torrent): Promise<void> {
  if (!(client as { dht?: unknown }).dht) return Promise.resolve()
  return new Promise<void>((settle) => {
    torrent.once('dhtAnnounce', () => settle())
    torrent.once('close', () => settle())
  })
}
