/**
 * How a torrent joins the client: admitted through the plugins (the provenance gate may refuse it),
 * queued or paused from the start, its file priorities and peers applied, remembered for the next
 * start; and the resume at start, which adds every remembered torrent again. Apart from engine.ts,
 * which keeps the add queue and the public add, seed and remove, and passes in the state they share.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { admitThroughPlugins, warnBlockedPeers } from './admission.ts'
import type { AddOptions, AddOutcome } from './engine-options.ts'
import type { EngineEvents, TorrentStats } from './events.ts'
import { applyFilePriorities } from './file-priorities.ts'
import { withFileStore } from './file-store.ts'
import { isHeldByGate, type EnginePlugin } from './plugin.ts'
import type { ResumeData } from './resume-data.ts'
import { newTracked, type Scheduler, type Tracked } from './scheduler.ts'
import type { TorrentSource } from './source.ts'
import { addPeers, parsePeerAddress } from './torrent-control.ts'
import type { TorrentOperations } from './torrent-operations.ts'
import type { TorrentThrottles } from './torrent-throttle.ts'
import type { TypedEmitter } from './typed-emitter.ts'

/** The engine's state an add reads and changes (the Engine owns every part). */
export interface AdderHost {
  client: WebTorrent
  plugins: readonly EnginePlugin[]
  events: TypedEmitter<EngineEvents>
  tracked: Map<string, Tracked>
  failed: Map<string, TorrentStats>
  throttles: TorrentThrottles
  scheduler: Scheduler
  resumeData: ResumeData
  operations: TorrentOperations
  downloadDir: () => string
  /** Watch a torrent the client just took (trackers, events, plugins). */
  track: (torrent: Torrent, seeding: boolean) => void
  assertOpen: () => void
}

export class TorrentAdder {
  readonly #host: AdderHost
  /** While resuming: the download folders made so far (2,000 torrents share a few folders). */
  #resumedDirs: Set<string> | undefined

  constructor(host: AdderHost) {
    this.#host = host
  }

  async add(source: TorrentSource, options: AddOptions): Promise<AddOutcome> {
    this.#host.assertOpen()
    const peers = (options.peers ?? []).map(parsePeerAddress)
    const allowUnsigned = options.allowUnsigned ?? false
    const { torrentOptions, magnet } = await admitThroughPlugins(this.#host.plugins, source, allowUnsigned)
    const infoHash = source.parsed.infoHash
    warnBlockedPeers(this.#host.plugins, this.#host.events, infoHash, peers)
    const existing = this.#running(infoHash)
    if (existing) {
      await this.#host.operations.rememberPeers(infoHash, peers)
      if (!existing.paused) addPeers(existing, peers)
      return { torrent: existing, existing: true }
    }
    this.#host.failed.delete(infoHash)
    if (options.limits) this.#host.throttles.set(infoHash, options.limits)
    const downloadDir = path.resolve(options.downloadDir ?? this.#host.downloadDir())
    if (!this.#resumedDirs?.has(downloadDir)) {
      await mkdir(downloadDir, { recursive: true })
      this.#resumedDirs?.add(downloadDir)
    }
    // A .torrent goes in decoded (source.ts decoded it as parse-torrent would; WebTorrent would
    // decode the bytes again), as a copy: WebTorrent rewrites its tracker lists. A held magnet is
    // added without what it names to fetch (xs, as, ws): admission.magnet.
    const torrentId = source.kind === 'torrent-file' ? { ...source.parsed } : (magnet ?? infoHash)
    const paused = options.paused ?? false
    const addedAt = options.addedAt ?? Date.now()
    const priorities = options.files ?? []
    // Queued from the start when the download slots are taken: not one request before its turn.
    const queued = !paused && this.#host.scheduler.mustQueueNewDownload()
    this.#host.tracked.set(infoHash, newTracked({ addedAt, paused, queued, peers, priorities }))
    const torrent = this.#host.client.add(torrentId, {
      ...withFileStore(torrentOptions),
      path: downloadDir,
      paused: paused || queued,
    })
    this.#host.track(torrent, false)
    if (priorities.some((priority) => priority !== 'normal')) {
      torrent.once('ready', () => {
        if (!isHeldByGate(torrent)) applyFilePriorities(torrent, priorities)
      })
    }
    if (!paused && !queued) addPeers(torrent, peers)
    if (options.remember !== false) {
      await this.#host.resumeData.rememberAdded(
        torrent,
        { source, downloadDir, allowUnsigned, addedAt, paused, peers },
        (error) =>
          this.#host.events.emit('warning', {
            infoHash,
            message: `could not store the metadata for resuming: ${error.message}`,
          }),
      )
    }
    return { torrent, existing: false }
  }

  /** Add every remembered torrent again (`add` is the engine's own, through its add queue). */
  async resumeAll(add: (source: TorrentSource, options: AddOptions) => Promise<unknown>): Promise<void> {
    this.#resumedDirs = new Set()
    try {
      await this.#host.resumeData.resumeAll(add, (infoHash, error) =>
        this.#host.events.emit('warning', { infoHash, message: `could not resume: ${error.message}` }),
      )
    } finally {
      this.#resumedDirs = undefined
    }
  }

  /** The torrent WebTorrent runs under `infoHash` (client.get would parse the infohash first). */
  #running(infoHash: string): Torrent | undefined {
    return this.#host.client.torrents.find((torrent) => torrent.infoHash === infoHash)
  }
}
