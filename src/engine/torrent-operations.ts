/**
 * What the engine does to one listed torrent on command: pause, resume, dial a peer, file
 * priorities, its own speed limits, details, reannounce; each change kept for the next start
 * (resume-data.ts). Apart from engine.ts, which keeps the client's life (open, add, seed, remove,
 * close, network switches) and delegates these; they share its per-torrent state, passed in.
 */
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { VouchError } from '../errors.ts'
import { applyFilePriorities, changedPriorities, type FilePriority } from './file-priorities.ts'
import type { ResumeData } from './resume-data.ts'
import { newTracked, type Scheduler, type Tracked } from './scheduler.ts'
import { addPeers, disconnectAll, parsePeerAddress } from './torrent-control.ts'
import { detailsOf, type TorrentDetails } from './torrent-details.ts'
import type { TorrentLimits, TorrentThrottles } from './torrent-throttle.ts'
import type { TrackerWatch } from './tracker-status.ts'

/** The engine's state these operations read and change (the Engine owns every part). */
export interface OperationsHost {
  client: WebTorrent
  tracked: Map<string, Tracked>
  trackers: WeakMap<Torrent, TrackerWatch>
  throttles: TorrentThrottles
  scheduler: Scheduler
  resumeData: ResumeData
}

export class TorrentOperations {
  readonly #host: OperationsHost

  constructor(host: OperationsHost) {
    this.#host = host
  }

  async pause(infoHash: string): Promise<void> {
    const torrent = await this.torrent(infoHash)
    const tracked = this.#trackedOf(torrent)
    tracked.paused = true
    tracked.queued = false
    torrent.pause()
    disconnectAll(torrent)
    this.#host.scheduler.enforce()
    await this.#host.resumeData.update(infoHash, { paused: true })
  }

  async resume(infoHash: string): Promise<void> {
    const torrent = await this.torrent(infoHash)
    const tracked = this.#trackedOf(torrent)
    tracked.paused = false
    // The queue may hold it back at once when its slots are taken.
    torrent.resume()
    addPeers(torrent, [...tracked.peers])
    this.#host.scheduler.enforce()
    await this.#host.resumeData.update(infoHash, { paused: false })
  }

  async addPeer(infoHash: string, address: string): Promise<boolean> {
    const peer = parsePeerAddress(address)
    const torrent = await this.torrent(infoHash)
    await this.rememberPeers(infoHash, [peer])
    return torrent.paused ? true : torrent.addPeer(peer)
  }

  async details(infoHash: string): Promise<TorrentDetails> {
    const torrent = await this.torrent(infoHash)
    const trackers = this.#host.trackers.get(torrent)?.statuses() ?? []
    return detailsOf(
      torrent,
      this.#trackedOf(torrent).priorities,
      trackers,
      this.#host.throttles.get(infoHash),
    )
  }

  async setFilePriorities(
    infoHash: string,
    changes: readonly { index: number; priority: FilePriority }[],
  ): Promise<void> {
    const torrent = await this.torrent(infoHash)
    const tracked = this.#trackedOf(torrent)
    const priorities = changedPriorities(torrent, tracked.priorities, changes)
    tracked.priorities = priorities
    applyFilePriorities(torrent, priorities)
    await this.#host.resumeData.update(infoHash, { files: priorities })
  }

  async setTorrentLimits(infoHash: string, changes: Partial<TorrentLimits>): Promise<TorrentLimits> {
    await this.torrent(infoHash)
    const limits = { ...this.#host.throttles.get(infoHash), ...changes }
    this.#host.throttles.set(infoHash, limits)
    await this.#host.resumeData.update(infoHash, { limits })
    return limits
  }

  async reannounce(infoHash: string): Promise<boolean> {
    const torrent = await this.torrent(infoHash)
    return this.#host.trackers.get(torrent)?.reannounce() ?? false
  }

  async torrent(infoHash: string): Promise<Torrent> {
    const torrent = await this.#host.client.get(infoHash)
    if (!torrent) {
      throw new VouchError('bad-input', `no torrent ${infoHash} in the list`, { infoHash })
    }
    return torrent
  }

  /** Peers dialled by hand, remembered for every resume and restart (once each). */
  async rememberPeers(infoHash: string, peers: readonly string[]): Promise<void> {
    const tracked = this.#host.tracked.get(infoHash)
    if (!tracked || peers.every((peer) => tracked.peers.has(peer))) return
    for (const peer of peers) tracked.peers.add(peer)
    await this.#host.resumeData.update(infoHash, { peers: [...tracked.peers] })
  }

  #trackedOf(torrent: Torrent): Tracked {
    let tracked = this.#host.tracked.get(torrent.infoHash)
    if (!tracked) {
      tracked = newTracked({ paused: torrent.paused })
      this.#host.tracked.set(torrent.infoHash, tracked)
    }
    return tracked
  }
}
