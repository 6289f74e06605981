import { statfs } from 'node:fs/promises'
import type { AuditEvent, AuditSink } from '../audit.ts'
import type { Engine } from '../engine/engine.ts'
import { livePeers } from '../engine/live-peers.ts'
import type { Decision } from '../provenance/policy.ts'
import type { EnvelopeCandidate } from '../provenance/torrent.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { RulesPlugin } from '../rules/live.ts'
import { feedAuditEntries } from './audit-feed.ts'
import type { AddResult, AppInfo, AppStatus, Refusal } from './contract.ts'
import { Dispatcher, EventBus, type Handlers, type InternalErrorLog } from './dispatcher.ts'
import { forwardEngineEvents } from './engine-events.ts'
import { reputationHandlers } from './reputation-handlers.ts'
import { rulesHandlers } from './rules-handlers.ts'
import { SampleTable } from '../reputation/stats-samples.ts'
import type { SettingsStore } from './settings-store.ts'
import { settingsHandlers } from './settings-handlers.ts'
import { subscriptionHandlers } from './subscription-handlers.ts'
import { StatsHistory } from './stats-history.ts'
import { TorrentCommands, type AddRequest } from './torrent-handlers.ts'
import { pinnedNames, TorrentViews } from './torrent-views.ts'
import { trustHandlers } from './trust-handlers.ts'
import { feedHandlers } from './feed-handlers.ts'
import { FeedStore } from '../feeds/feed-store.ts'
import { moveFollowedFeeds } from '../feeds/feed-rotation.ts'
import { parsePublicKey } from '../provenance/keys.ts'

export { viewOf } from './torrent-views.ts'

export interface ApiServiceOptions {
  engine: Engine
  version: string
  /** The pinned publishers (provenance). */
  trust: TrustStore
  /** Peers, bans and the audit log (reputation). */
  reputation: ReputationStore
  /** The engine's live ban rules (reloaded when the Rules screen saves); null or absent without. */
  rules?: RulesPlugin | null
  /** Where UI actions (pin, revoke, …) are audited; normally the reputation store. */
  audit?: AuditSink
  /** Where a magnet held by the provenance gate stands (see ProvenancePlugin.stateOf). */
  heldState?: (infoHash: string) => string | undefined
  /** Offer envelopes for a held magnet (ProvenancePlugin.offerEnvelopes); absent without the gate. */
  offerEnvelopes?: (infoHash: string, envelopes: readonly EnvelopeCandidate[]) => Promise<Decision>
  /** Judge admitted torrents again after a key is revoked or unpinned (ProvenancePlugin.reevaluate). */
  reevaluate?: () => Promise<unknown>
  /** HOME/settings.json, already applied to the engine by the backend. */
  settings: SettingsStore
  /** How often the chart gets a sample, ms. */
  sampleIntervalMs?: number
  logInternal?: InternalErrorLog
  /** Network switches turned off for this run only (`--no-pex`): a settings change leaves them off. */
  offThisRun?: { pex?: boolean; dht?: boolean; lsd?: boolean }
  /** Followed feeds (default HOME/feeds.json) and when the feed daemon polls next. */
  feeds?: { store: FeedStore; nextPollAt: () => number | null; pollSoon?: () => void }
}

/** How far back `stats.history` reads, and the recent span it returns sample by sample. */
const HISTORY_MS = 24 * 3600_000
const FULL_RESOLUTION_MS = 5 * 60_000

/**
 * Everything the UI can do, as handlers over one Engine, plus the event stream it sees. The
 * headless server and the Electron main process both build exactly one of these; neither adds
 * logic of its own. The handlers live by area (torrent-handlers.ts, settings-handlers.ts, trust,
 * reputation, feeds, rules …); this class wires them to the engine, the stores and one event bus.
 */
export class ApiService {
  readonly events: EventBus
  readonly dispatcher: Dispatcher
  readonly history = new StatsHistory()
  readonly #engine: Engine
  readonly #options: ApiServiceOptions
  readonly #views: TorrentViews
  readonly #torrents: TorrentCommands
  readonly #connections = new Map<string, number>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #samples: SampleTable
  readonly #sampler: NodeJS.Timeout

  constructor(options: ApiServiceOptions) {
    this.#engine = options.engine
    this.#options = options
    this.events = new EventBus(options.logInternal)
    this.#samples = new SampleTable(options.reputation.database)
    this.#views = new TorrentViews(options.engine, this.events, options.heldState)
    this.#torrents = new TorrentCommands({
      engine: options.engine,
      views: this.#views,
      trust: options.trust,
      reputation: options.reputation,
      offerEnvelopes: options.offerEnvelopes,
    })
    this.dispatcher = new Dispatcher(this.#handlers(), options.logInternal)
    for (const entry of this.#engine.remembered()) {
      if (entry.allowUnsigned) this.#views.provenance.set(entry.infoHash, { status: 'unsigned-allowed' })
    }
    this.#unsubscribe.push(
      ...forwardEngineEvents({
        engine: options.engine,
        events: this.events,
        views: this.#views,
        commands: this.#torrents,
        trust: options.trust,
        history: this.history,
        connections: this.#connections,
      }),
    )
    this.#unsubscribe.push(feedAuditEntries(options.reputation, this.events))
    // Bans that do not come from the defence's ban event (an import, the user): lists refetch.
    this.#unsubscribe.push(
      options.reputation.onBansAdded((bans) => {
        if (bans.some((ban) => ban.source !== 'automatic')) this.events.publish('bans.changed', {})
      }),
    )
    this.#sampler = setInterval(() => this.#sample(), options.sampleIntervalMs ?? 1000)
    this.#sampler.unref()
  }

  /** Add from a magnet link, an infohash or a .torrent path (the Electron shell's argv and open-url). */
  add(input: string, request: AddRequest = {}): Promise<AddResult> {
    return this.#torrents.add(input, request)
  }

  /** Publish a refusal of a torrent added outside the UI, so the UI can show the dialog. */
  announceRefusal(refusal: Refusal): void {
    this.events.publish('torrent.refused', refusal)
  }

  /**
   * The audit trail is where the provenance gate reports what it accepted and for whom; the
   * backend tees it here so each torrent can show "Signed by <name> <fingerprint>".
   */
  observeAudit(event: AuditEvent): void {
    if (event.type === 'provenance.accepted') void this.#signed(event.subject, event.details)
    else if (event.type === 'provenance.override') {
      this.#views.provenance.set(event.subject, { status: 'unsigned-allowed' })
      this.#views.publishQuietly(event.subject)
    } else if (event.type === 'ban.lifted' || event.type === 'ban.imported') {
      this.events.publish('bans.changed', {})
    }
  }

  close(): void {
    clearInterval(this.#sampler)
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
  }

  async #signed(infoHash: string, details: Record<string, unknown>): Promise<void> {
    const fingerprints = Array.isArray(details.fingerprints)
      ? details.fingerprints.filter((value): value is string => typeof value === 'string')
      : []
    if (fingerprints.length === 0) return
    const pinned = await pinnedNames(this.#options.trust)
    const nameOf = (fingerprint: string) =>
      pinned.get(fingerprint) ?? (typeof details.publisher === 'string' ? details.publisher : fingerprint)
    this.#views.provenance.set(infoHash, {
      status: 'signed',
      publishers: fingerprints.map((fingerprint) => ({ name: nameOf(fingerprint), fingerprint })),
    })
    this.#views.publishQuietly(infoHash)
  }

  #handlers(): Handlers {
    const feeds = this.#options.feeds?.store ?? FeedStore.forHome(this.#engine.paths.home)
    return {
      ...trustHandlers(
        this.#options.trust,
        this.#options.audit,
        this.events,
        this.#options.reevaluate,
        async (from, to) => {
          const moved = await moveFollowedFeeds(feeds, from, parsePublicKey(to.publicKey).publicKey)
          for (const feed of moved)
            this.#options.audit?.record({
              type: 'feed.followed',
              subject: to.fingerprint,
              details: { feed: feed.name, magnet: feed.magnet, rotatedFrom: from, via: 'ui' },
            })
          if (moved.length > 0) this.events.publish('feeds.changed', {})
        },
      ),
      ...reputationHandlers({
        store: this.#options.reputation,
        defence: this.#engine.defence,
        home: this.#engine.paths.home,
        connections: () => new Map(this.#connections),
        livePeers: () => livePeers(this.#engine.client.torrents),
        torrentName: (infoHash) => this.#torrents.torrentName(infoHash),
        events: this.events,
      }),
      ...feedHandlers({
        feeds,
        trust: this.#options.trust,
        audit: this.#options.audit,
        events: this.events,
        nextPollAt: this.#options.feeds?.nextPollAt ?? (() => null),
      }),
      ...subscriptionHandlers(this.#engine.paths.home, this.#options.reputation, this.events),
      ...rulesHandlers({
        home: this.#engine.paths.home,
        store: this.#options.reputation,
        live: this.#options.rules ?? null,
      }),
      ...this.#torrents.handlers(),
      ...settingsHandlers({
        engine: this.#engine,
        settings: this.#options.settings,
        events: this.events,
        offThisRun: this.#options.offThisRun,
        pollSoon: () => this.#options.feeds?.pollSoon?.(),
      }),
      'app.info': () => this.#info(),
      'app.status': () => this.#status(),
      // 24 hours from the store (it survives a restart): per minute, then every sample of the last 5 minutes.
      'stats.history': () => {
        const now = Date.now()
        return this.#samples.read(now - HISTORY_MS, now - FULL_RESOLUTION_MS)
      },
    }
  }

  #info(): AppInfo {
    return {
      version: this.#options.version,
      downloadDir: this.#engine.downloadDir,
      home: this.#engine.paths.home,
    }
  }

  async #status(): Promise<AppStatus> {
    const views = this.#views.list()
    const downloadDir = this.#engine.downloadDir
    const disk = await statfs(downloadDir).catch(() => null)
    return {
      downloadSpeed: views.reduce((sum, view) => sum + view.downloadSpeed, 0),
      uploadSpeed: views.reduce((sum, view) => sum + view.uploadSpeed, 0),
      dhtNodes: this.#engine.dhtNodes(),
      freeDiskBytes: disk ? disk.bavail * disk.bsize : null,
      downloadDir,
    }
  }

  #sample(): void {
    // The client's own totals: summing every torrent's stats each second cost O(torrents × pieces).
    const speeds = this.#engine.speeds()
    const downloadSpeed = Number.isFinite(speeds.downloadSpeed) ? speeds.downloadSpeed : 0
    const uploadSpeed = Number.isFinite(speeds.uploadSpeed) ? speeds.uploadSpeed : 0
    const sample = this.history.sample(Date.now(), downloadSpeed, uploadSpeed)
    if (!this.#options.reputation.closed) this.#samples.record(sample)
    this.events.publish('stats.sample', sample)
  }
}
