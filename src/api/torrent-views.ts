/**
 * The torrent rows the UI sees: `viewOf` builds one from the engine's stats and a provenance badge,
 * and TorrentViews keeps each torrent's badge and publishes `torrent.updated` when its row changed.
 * Apart from service.ts because the torrent commands and the engine-event forwarding both publish
 * through this one object (one view cache, one record of what was sent).
 */
import type { Engine } from '../engine/engine.ts'
import type { TorrentStats } from '../engine/events.ts'
import { VouchError } from '../errors.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { Provenance, TorrentState, TorrentView } from './contract.ts'
import type { EventBus } from './dispatcher.ts'
import { TorrentViewCache } from './view-cache.ts'

const HELD_FOR_SIGNATURE: Provenance = Object.freeze({ status: 'held', waitingFor: 'signature' })
const HELD_FOR_METADATA: Provenance = Object.freeze({ status: 'held', waitingFor: 'metadata' })
const UNCHECKED: Provenance = Object.freeze({ status: 'unchecked' })

/** What the UI shows for a torrent: the engine's numbers, its provenance and one state. */
export function viewOf(stats: TorrentStats, provenance: Provenance): TorrentView {
  const finite = (value: number) => (Number.isFinite(value) && value >= 0 ? value : 0)
  const held = provenance.status === 'held'
  const state: TorrentState =
    stats.error !== null
      ? 'error'
      : stats.paused
        ? 'paused'
        : held
          ? 'held'
          : stats.queued
            ? 'queued'
            : stats.checking
              ? 'checking'
              : stats.done
                ? 'seeding'
                : 'downloading'
  // A held magnet exchanges only metadata; the engine already zeroes paused, queued and idle ones.
  const moving = !held && state !== 'error'
  return {
    infoHash: stats.infoHash,
    name: stats.name,
    length: finite(stats.length),
    downloaded: finite(stats.downloaded),
    uploaded: finite(stats.uploaded),
    progress: Math.min(1, finite(stats.progress)),
    downloadSpeed: moving ? finite(stats.downloadSpeed) : 0,
    uploadSpeed: moving ? finite(stats.uploadSpeed) : 0,
    numPeers: finite(stats.numPeers),
    timeRemaining: moving && stats.timeRemaining !== null ? finite(stats.timeRemaining) : null,
    done: stats.done,
    hasMetadata: stats.hasMetadata,
    provenance,
    state,
    paused: stats.paused,
    savePath: stats.savePath,
    addedAt: finite(stats.addedAt),
    ratio: finite(stats.ratio),
    error: stats.error,
  }
}

/** Pinned publishers' names by fingerprint; none when the trust file cannot be read. */
export async function pinnedNames(trust: TrustStore): Promise<Map<string, string>> {
  const pinned = await trust.list().catch(() => [])
  return new Map(pinned.map((publisher) => [publisher.fingerprint, publisher.name]))
}

export class TorrentViews {
  /** Each torrent's badge once known (signed, unsigned-allowed); held and unchecked otherwise. */
  readonly provenance = new Map<string, Provenance>()
  readonly #engine: Engine
  readonly #events: EventBus
  readonly #heldState: ((infoHash: string) => string | undefined) | undefined
  readonly #views = new TorrentViewCache(viewOf)
  /**
   * The last `torrent.updated` view sent per torrent: the view cache hands back that very object
   * while nothing changed, so unchanged torrents send nothing.
   */
  readonly #published = new Map<string, TorrentView>()

  constructor(engine: Engine, events: EventBus, heldState?: (infoHash: string) => string | undefined) {
    this.#engine = engine
    this.#events = events
    this.#heldState = heldState
  }

  list(): TorrentView[] {
    return this.#views.views(this.#engine.stats(), (infoHash) => this.provenanceOf(infoHash))
  }

  /** The same object while nothing changed (the view cache compares provenance by identity). */
  provenanceOf(infoHash: string): Provenance {
    const known = this.provenance.get(infoHash)
    if (known) return known
    const held = this.#heldState?.(infoHash)
    if (held === 'awaiting-envelope') return HELD_FOR_SIGNATURE
    if (held === 'awaiting-metadata') return HELD_FOR_METADATA
    return UNCHECKED
  }

  /** The torrent's view now, published when it differs from the last one sent. */
  publishUpdate(infoHash: string): TorrentView {
    // One torrent's stats: building every torrent's (engine.stats()) per update made resuming
    // 2 000 torrents quadratic, each added torrent's audit event publishing its update.
    const stats = this.#engine.statsFor(infoHash)
    if (!stats) throw new VouchError('bad-input', `no torrent ${infoHash} in the list`, { infoHash })
    return this.publishIfChanged(stats)
  }

  publishIfChanged(stats: TorrentStats): TorrentView {
    // The list's own view object: the first list after a resume finds every view built (each
    // torrent's first progress event), and the transport makes each view's JSON once for both.
    const view = this.#views.view(stats, this.provenanceOf(stats.infoHash))
    if (this.#published.get(view.infoHash) !== view) {
      this.#published.set(view.infoHash, view)
      this.#events.publish('torrent.updated', view)
    }
    return view
  }

  /**
   * Publish a torrent's view if it is still in the list (events may race a removal). One torrent's
   * stats only: every torrent's per event made resuming 2 000 torrents quadratic.
   */
  publishQuietly(infoHash: string): void {
    const stats = this.#engine.statsFor(infoHash)
    if (stats) this.publishIfChanged(stats)
  }

  /** A removed torrent's cached and sent views, dropped. */
  forget(infoHash: string): void {
    this.#published.delete(infoHash)
    this.#views.forget(infoHash)
  }
}
