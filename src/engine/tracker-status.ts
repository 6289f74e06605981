/**
 * What each tracker of a torrent last answered. bittorrent-tracker reports a successful announce
 * as an `update` naming its URL, and a failure only as a `warning` (most without the URL): a
 * failure is put on the tracker its message names, or on the only one a torrent has.
 */
import type { EventEmitter } from 'node:events'
import type { Torrent } from 'webtorrent'

export type TrackerState = 'working' | 'updating' | 'error' | 'disabled'

export interface TrackerStatus {
  url: string
  status: TrackerState
  /** Seeders plus leechers in the last answer. */
  peers: number | null
  /** ms since epoch */
  lastAnnounce: number | null
  error: string | null
}

interface AnnounceUpdate {
  announce?: string
  complete?: number
  incomplete?: number
}

type TrackerClient = EventEmitter & { update?: () => void }

interface DiscoveryLike {
  tracker?: TrackerClient | null
  dht?: unknown
  _dhtAnnounce?: () => void
  /** Makes a new tracker client: on a new listening port (updatePort) the old one is replaced. */
  _createTracker?: () => TrackerClient
}

/** The announce URLs of a torrent, one per tracker, in tier order. */
function announceUrls(torrent: Torrent): string[] {
  const urls = (torrent as unknown as { announce?: unknown }).announce
  return Array.isArray(urls) ? [...new Set(urls.filter((url): url is string => typeof url === 'string'))] : []
}

export class TrackerWatch {
  readonly #statuses = new Map<string, TrackerStatus>()
  readonly #enabled: boolean
  readonly #torrent: Torrent
  #watched: TrackerClient | null = null

  constructor(torrent: Torrent, trackersEnabled: boolean) {
    this.#torrent = torrent
    this.#enabled = trackersEnabled
    // The discovery object exists right after the torrent knows its infohash and the client listens.
    const watch = () => setImmediate(() => this.#watch())
    if (torrent.infoHash) watch()
    else torrent.once('infoHash', watch)
    torrent.once('ready', () => this.#watch())
  }

  statuses(): TrackerStatus[] {
    return announceUrls(this.#torrent).map(
      (url) =>
        this.#statuses.get(url) ?? {
          url,
          status: this.#enabled ? 'updating' : 'disabled',
          peers: null,
          lastAnnounce: null,
          error: null,
        },
    )
  }

  /** Announce to every tracker (and the DHT) now; false when the torrent has neither. */
  reannounce(): boolean {
    const discovery = this.#discovery()
    let announced = false
    if (discovery?.tracker?.update) {
      for (const url of announceUrls(this.#torrent)) this.#set(url, { status: 'updating' })
      discovery.tracker.update()
      announced = true
    }
    if (discovery?.dht && discovery._dhtAnnounce) {
      discovery._dhtAnnounce()
      announced = true
    }
    return announced
  }

  #discovery(): DiscoveryLike | null {
    return ((this.#torrent as unknown as { discovery?: DiscoveryLike }).discovery ??
      null) as DiscoveryLike | null
  }

  #watch(): void {
    const discovery = this.#discovery()
    const tracker = discovery?.tracker
    if (this.#watched || !discovery || !tracker) return
    // A tracker client made later (a new listening port) is watched as well.
    const create = discovery._createTracker
    if (create) {
      discovery._createTracker = () => {
        const next = create.call(discovery)
        this.#listen(next)
        return next
      }
    }
    this.#listen(tracker)
  }

  #listen(tracker: TrackerClient): void {
    this.#watched = tracker
    tracker.on('update', (data: AnnounceUpdate) => {
      if (typeof data?.announce !== 'string') return
      const peers = (data.complete ?? 0) + (data.incomplete ?? 0)
      this.#set(data.announce, { status: 'working', peers, lastAnnounce: Date.now(), error: null })
    })
    tracker.on('warning', (error: Error) => {
      const message = error?.message ?? String(error)
      const urls = announceUrls(this.#torrent)
      const named = urls.filter((url) => message.includes(url))
      const blamed = named.length > 0 ? named : urls.length === 1 ? urls : []
      for (const url of blamed) this.#set(url, { status: 'error', error: message, lastAnnounce: Date.now() })
    })
  }

  #set(url: string, change: Partial<TrackerStatus>): void {
    const previous = this.#statuses.get(url) ?? {
      url,
      status: 'updating',
      peers: null,
      lastAnnounce: null,
      error: null,
    }
    this.#statuses.set(url, { ...previous, ...change, url })
  }
}
