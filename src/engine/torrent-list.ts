import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FilePriority } from './file-priorities.ts'
import type { TorrentLimits } from './torrent-throttle.ts'

/** One torrent the engine should bring back after a restart. */
export interface RememberedTorrent {
  infoHash: string
  /** Path of the stored .torrent copy, when metadata is known. */
  torrentFile: string | null
  /** The magnet link, for torrents added without metadata. */
  magnet: string | null
  downloadDir: string
  seeding: boolean
  allowUnsigned: boolean
  addedAt: string
  /** Paused by the user; resumed paused. Absent in lists written before pausing existed. */
  paused?: boolean
  /** Peers the user added by address (HOST:PORT), dialled again after a restart. */
  peers?: string[]
  /** File priorities by index ('skip', 'low', 'normal', 'high'), when the user changed any. */
  files?: FilePriority[]
  /** The torrent's own speed limits in bytes per second, when the user set any. */
  limits?: TorrentLimits
}

const FORMAT_VERSION = 1

/** The persisted torrent list: a small JSON file written atomically (temp file, then rename). */
export class TorrentList {
  readonly #file: string
  #entries = new Map<string, RememberedTorrent>()
  #writing: Promise<void> = Promise.resolve()

  constructor(file: string) {
    this.#file = file
  }

  async load(): Promise<RememberedTorrent[]> {
    let text: string
    try {
      text = await readFile(this.#file, 'utf8')
    } catch {
      return []
    }
    try {
      const data = JSON.parse(text) as { version?: number; torrents?: RememberedTorrent[] }
      if (data.version !== FORMAT_VERSION || !Array.isArray(data.torrents)) return []
      for (const entry of data.torrents) {
        if (typeof entry?.infoHash === 'string' && /^[0-9a-f]{40}$/.test(entry.infoHash)) {
          this.#entries.set(entry.infoHash, entry)
        }
      }
    } catch {
      // A corrupt list must not stop the engine; keep the bad file aside for inspection.
      await rename(this.#file, `${this.#file}.corrupt-${Date.now()}`).catch(() => undefined)
    }
    return [...this.#entries.values()]
  }

  entries(): RememberedTorrent[] {
    return [...this.#entries.values()]
  }

  async put(entry: RememberedTorrent): Promise<void> {
    this.#entries.set(entry.infoHash, entry)
    await this.#save()
  }

  /** Change some fields of a remembered torrent; nothing happens for one not in the list. */
  async update(infoHash: string, changes: Partial<Omit<RememberedTorrent, 'infoHash'>>): Promise<void> {
    const entry = this.#entries.get(infoHash)
    if (entry) await this.put({ ...entry, ...changes })
  }

  async delete(infoHash: string): Promise<void> {
    if (this.#entries.delete(infoHash)) await this.#save()
  }

  /** Resolves when every write started so far has finished (a failed one was reported to its put). */
  flush(): Promise<void> {
    return this.#writing.catch(() => undefined)
  }

  #save(): Promise<void> {
    const snapshot = JSON.stringify(
      { version: FORMAT_VERSION, torrents: [...this.#entries.values()] },
      null,
      2,
    )
    // One failed write must not fail every later one: chain on the settled previous write.
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(path.dirname(this.#file), { recursive: true })
        const temp = `${this.#file}.${process.pid}.tmp`
        await writeFile(temp, snapshot)
        await rename(temp, this.#file)
      })
    return this.#writing
  }
}
