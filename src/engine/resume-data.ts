/**
 * What the engine keeps across restarts: the torrent list (torrent-list.ts) and a copy of each
 * torrent's metainfo in HOME/torrents, so a restart resumes every torrent as the user left it.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Torrent } from 'webtorrent'
import type { AddOptions } from './engine-options.ts'
import type { DataPaths } from './paths.ts'
import { resumeEntry, type ResumeAdd } from './resume.ts'
import type { TorrentSource } from './source.ts'
import { TorrentList, type RememberedTorrent } from './torrent-list.ts'

export interface AddedTorrent {
  source: TorrentSource
  downloadDir: string
  allowUnsigned: boolean
  addedAt: number
  paused: boolean
  peers: string[]
}

export class ResumeData {
  readonly #paths: DataPaths
  readonly #list: TorrentList
  /** Metadata of magnets being written for resuming (see rememberAdded). */
  #persisting: Promise<void> = Promise.resolve()

  constructor(paths: DataPaths) {
    this.#paths = paths
    this.#list = new TorrentList(paths.torrentList)
  }

  entries(): RememberedTorrent[] {
    return this.#list.entries()
  }

  update(infoHash: string, changes: Partial<Omit<RememberedTorrent, 'infoHash'>>): Promise<void> {
    return this.#list.update(infoHash, changes)
  }

  delete(infoHash: string): Promise<void> {
    return this.#list.delete(infoHash)
  }

  /**
   * Remember a torrent just handed to WebTorrent. A magnet's metainfo is stored when it arrives;
   * `onError` hears of a failure to store it.
   */
  async rememberAdded(torrent: Torrent, added: AddedTorrent, onError: (error: Error) => void): Promise<void> {
    const { source } = added
    const infoHash = source.parsed.infoHash
    const torrentFile =
      source.kind === 'torrent-file' ? await this.#storeTorrentFile(infoHash, source.bytes) : null
    await this.#list.put({
      infoHash,
      torrentFile,
      magnet:
        source.kind === 'torrent-file'
          ? null
          : source.kind === 'magnet'
            ? source.uri
            : `magnet:?xt=urn:btih:${infoHash}`,
      downloadDir: added.downloadDir,
      seeding: false,
      allowUnsigned: added.allowUnsigned,
      addedAt: new Date(added.addedAt).toISOString(),
      paused: added.paused,
      peers: added.peers,
    })
    if (torrentFile) return
    torrent.once('metadata', () => {
      // Tracked so flush() waits for it: a restart right after must find the stored .torrent.
      this.#persisting = this.#persisting
        .then(async () => {
          const file = await this.#storeTorrentFile(infoHash, torrent.torrentFile)
          const entry = this.#list.entries().find((e) => e.infoHash === infoHash)
          if (entry) await this.#list.put({ ...entry, torrentFile: file })
        })
        .catch(onError)
    })
  }

  /** Remember a torrent seeded from local data under `dataDir`. */
  async rememberSeeded(torrent: Torrent, dataDir: string): Promise<void> {
    const torrentFile = await this.#storeTorrentFile(torrent.infoHash, torrent.torrentFile)
    await this.#list.put({
      infoHash: torrent.infoHash,
      torrentFile,
      magnet: null,
      downloadDir: dataDir,
      seeding: true,
      allowUnsigned: false,
      addedAt: new Date().toISOString(),
    })
  }

  /** Add every remembered torrent again; one that cannot come back is reported and skipped. */
  async resumeAll(
    add: (source: TorrentSource, options: AddOptions) => Promise<unknown>,
    onError: (infoHash: string, error: Error) => void,
  ): Promise<void> {
    const resumeAdd: ResumeAdd = add
    for (const entry of await this.#list.load()) {
      await resumeEntry(entry, resumeAdd).catch((error: Error) => onError(entry.infoHash, error))
    }
  }

  /** Resolves when every write started so far has finished. */
  async flush(): Promise<void> {
    await this.#persisting
    await this.#list.flush()
  }

  async #storeTorrentFile(infoHash: string, bytes: Uint8Array): Promise<string> {
    const file = path.join(this.#paths.torrentFiles, `${infoHash}.torrent`)
    await writeFile(file, bytes)
    return file
  }
}
