import { statfs } from 'node:fs/promises'
import type { AuditEvent, AuditSink } from '../audit.ts'
import { addressKey } from '../defence/address.ts'
import type { Engine } from '../engine/engine.ts'
import type { GateRefusal, TorrentStats } from '../engine/events.ts'
import { livePeers } from '../engine/live-peers.ts'
import type { RuntimeSettings } from '../engine/scheduler.ts'
import { parseTorrentBytes, resolveSource, type TorrentSource } from '../engine/source.ts'
import { isVouchError, VouchError } from '../errors.ts'
import { envelopesFromMagnet, parseSidecar } from '../provenance/carriers.ts'
import type { Decision } from '../provenance/policy.ts'
import type { EnvelopeCandidate } from '../provenance/torrent.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { RulesPlugin } from '../rules/live.ts'
import { feedAuditEntries } from './audit-feed.ts'
import type {
  AddResult,
  AppInfo,
  AppStatus,
  OfferResult,
  Provenance,
  Refusal,
  Settings,
  TorrentDetailsView,
  TorrentState,
  TorrentView,
} from './contract.ts'
import { Dispatcher, EventBus, type Handlers, type InternalErrorLog } from './dispatcher.ts'
import { banView, reputationHandlers } from './reputation-handlers.ts'
import { rulesHandlers } from './rules-handlers.ts'
import { SampleTable } from '../reputation/stats-samples.ts'
import { TorrentViewCache } from './view-cache.ts'
import type { SettingsStore } from './settings-store.ts'
import { subscriptionHandlers } from './subscription-handlers.ts'
import { isHashFailureWarning, StatsHistory } from './stats-history.ts'
import { trustHandlers } from './trust-handlers.ts'
import { feedHandlers } from './feed-handlers.ts'
import { FeedStore } from '../feeds/feed-store.ts'
import { moveFollowedFeeds } from '../feeds/feed-rotation.ts'
import { parsePublicKey } from '../provenance/keys.ts'

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

/** The settings the engine applies to running torrents. */
export function runtimeSettingsOf(settings: Settings): RuntimeSettings {
  return {
    downloadLimit: settings.downloadLimit,
    uploadLimit: settings.uploadLimit,
    seedRatioLimit: settings.seedRatioLimit,
    seedTimeLimitMinutes: settings.seedTimeLimitMinutes,
    maxActiveDownloads: settings.maxActiveDownloads,
    maxActiveSeeds: settings.maxActiveSeeds,
  }
}

export interface AddRequest {
  allowUnsigned?: boolean
  peers?: string[]
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/** The refusal the UI shows, from the engine's VouchError('refused') and its details. */
export function refusalFrom(error: VouchError, source: string, infoHash: string | null): Refusal {
  const details = error.details
  const fingerprint = text(details.fingerprint)
  const publicKey = text(details.publicKey)
  return {
    code: text(details.code) ?? 'refused',
    reason: error.message,
    source,
    infoHash,
    publisher:
      fingerprint && publicKey ? { fingerprint, publicKey, name: text(details.publisherName) } : null,
    ...thresholdOf(details.threshold),
  }
}

/** The `below-threshold` counts a refusal carries (provenance/groups.ts ThresholdCount), if any. */
function thresholdOf(value: unknown): Pick<Refusal, 'threshold'> {
  const count = value as Refusal['threshold']
  return typeof count?.signed === 'number' && typeof count.required === 'number'
    ? { threshold: { group: count.group, signed: count.signed, required: count.required, keys: count.keys } }
    : {}
}

/** Envelopes in what the user pasted or uploaded: a magnet's `x.vouch` parameters, or sidecar text. */
export function envelopesInText(text: string): EnvelopeCandidate[] {
  const trimmed = text.trim()
  const candidates = /^magnet:/i.test(trimmed) ? envelopesFromMagnet(trimmed) : parseSidecar(trimmed)
  if (candidates.length === 0)
    throw new VouchError('bad-input', 'no envelope found: paste a sidecar (.vouch) file or a signed magnet')
  const broken = candidates.filter((candidate) => !candidate.ok)
  if (broken.length === candidates.length) {
    const first = broken[0]
    throw new VouchError(
      'bad-input',
      `malformed envelope: ${first && !first.ok ? first.error : 'unreadable'}`,
    )
  }
  return candidates
}

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

/**
 * Everything the UI can do, as handlers over one Engine, plus the event stream it sees. The
 * headless server and the Electron main process both build exactly one of these; neither adds
 * logic of its own.
 */
export class ApiService {
  readonly events: EventBus
  readonly dispatcher: Dispatcher
  readonly history = new StatsHistory()
  readonly #engine: Engine
  readonly #options: ApiServiceOptions
  readonly #provenance = new Map<string, Provenance>()
  readonly #views = new TorrentViewCache(viewOf)
  readonly #connections = new Map<string, number>()
  /** What the user added, by infohash: named in a refusal that comes after the add returned. */
  readonly #names = new Map<string, string>()
  /** Adds under way, by infohash. */
  readonly #adding = new Map<string, number>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #samples: SampleTable
  /**
   * The last `torrent.updated` view sent per torrent: the view cache hands back that very object
   * while nothing changed, so unchanged torrents send nothing.
   */
  readonly #published = new Map<string, TorrentView>()
  readonly #sampler: NodeJS.Timeout

  constructor(options: ApiServiceOptions) {
    this.#engine = options.engine
    this.#options = options
    this.events = new EventBus(options.logInternal)
    this.#samples = new SampleTable(options.reputation.database)
    this.dispatcher = new Dispatcher(this.#handlers(), options.logInternal)
    for (const entry of this.#engine.remembered()) {
      if (entry.allowUnsigned) this.#provenance.set(entry.infoHash, { status: 'unsigned-allowed' })
    }
    this.#forwardEngineEvents()
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
  async add(input: string, request: AddRequest = {}): Promise<AddResult> {
    let source: TorrentSource
    try {
      source = await resolveSource(input)
    } catch (error) {
      if (isVouchError(error)) throw error
      throw new VouchError('bad-input', `cannot read ${input}: ${(error as Error).message}`)
    }
    return this.#add(source, input, request)
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
      this.#provenance.set(event.subject, { status: 'unsigned-allowed' })
      this.#publishQuietly(event.subject)
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
    const pinned = await this.#pinnedNames()
    const nameOf = (fingerprint: string) =>
      pinned.get(fingerprint) ?? (typeof details.publisher === 'string' ? details.publisher : fingerprint)
    this.#provenance.set(infoHash, {
      status: 'signed',
      publishers: fingerprints.map((fingerprint) => ({ name: nameOf(fingerprint), fingerprint })),
    })
    this.#publishQuietly(infoHash)
  }

  /** Pinned publishers' names by fingerprint; none when the trust file cannot be read. */
  async #pinnedNames(): Promise<Map<string, string>> {
    const pinned = await this.#options.trust.list().catch(() => [])
    return new Map(pinned.map((publisher) => [publisher.fingerprint, publisher.name]))
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
        torrentName: (infoHash) => this.#torrentName(infoHash),
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
      'app.info': () => this.#info(),
      'app.status': () => this.#status(),
      'torrents.list': () => this.#list(),
      'torrents.add': ({ source, ...request }) => {
        // Paths are for the desktop shell's argv only: the UI must not make the engine read files.
        if (!/^magnet:/i.test(source) && !/^([0-9a-f]{40}|[a-z2-7]{32})$/i.test(source)) {
          throw new VouchError(
            'bad-input',
            'expected a magnet link or an infohash (open .torrent files with torrents.addFile)',
          )
        }
        return this.add(source, request)
      },
      'torrents.addFile': async ({ fileName, contentBase64, ...request }) => {
        const bytes = new Uint8Array(Buffer.from(contentBase64, 'base64'))
        const parsed = await parseTorrentBytes(bytes, fileName)
        // No origin path: a file name from the UI must never lead the gate to read a sidecar from disk.
        return this.#add({ kind: 'torrent-file', bytes, parsed, origin: '' }, fileName, request)
      },
      'torrents.offerEnvelope': ({ infoHash, text }) => this.#offer(infoHash, text),
      'torrents.remove': async ({ infoHash, deleteData }) => {
        const known = this.#engine.stats().some((torrent) => torrent.infoHash === infoHash)
        await this.#engine.remove(infoHash, { deleteData: deleteData ?? false })
        this.#provenance.delete(infoHash)
        this.#names.delete(infoHash)
        return { removed: known }
      },
      'torrents.pause': async ({ infoHash }) => {
        await this.#engine.pause(infoHash)
        return this.#publishUpdate(infoHash)
      },
      'torrents.resume': async ({ infoHash }) => {
        await this.#engine.resume(infoHash)
        return this.#publishUpdate(infoHash)
      },
      'torrents.addPeer': async ({ infoHash, address }) => ({
        added: await this.#engine.addPeer(infoHash, address),
      }),
      'torrents.details': ({ infoHash }) => this.#details(infoHash),
      'torrents.setFiles': async ({ infoHash, files }) => {
        await this.#engine.setFilePriorities(infoHash, files)
        return this.#details(infoHash)
      },
      'torrents.setLimits': async ({ infoHash, ...limits }) => {
        await this.#engine.setTorrentLimits(infoHash, limits)
        return this.#details(infoHash)
      },
      'torrents.reannounce': async ({ infoHash }) => {
        if (!(await this.#engine.reannounce(infoHash))) {
          throw new VouchError(
            'bad-input',
            'this torrent has no tracker and the DHT is off: nothing to announce to',
            {
              infoHash,
            },
          )
        }
        return { ok: true as const }
      },
      'settings.get': () => this.#options.settings.current,
      'settings.set': (changes) => this.#setSettings(changes),
      // 24 hours from the store (it survives a restart): per minute, then every sample of the last 5 minutes.
      'stats.history': () => {
        const now = Date.now()
        return this.#samples.read(now - HISTORY_MS, now - FULL_RESOLUTION_MS)
      },
    }
  }

  async #setSettings(changes: Partial<Settings>): Promise<Settings> {
    const store = this.#options.settings
    // The folder first: one that cannot be created is refused before anything is saved.
    if (changes.downloadDir !== undefined && changes.downloadDir !== store.current.downloadDir) {
      await this.#engine.setDownloadDir(changes.downloadDir)
    }
    // The port too: one that cannot be bound is refused before anything is saved.
    if (changes.listenPort !== undefined && changes.listenPort !== store.current.listenPort) {
      await this.#engine.setListenPort(changes.listenPort ?? 0)
    }
    // The DHT too: a node that cannot start is refused before anything is saved.
    if (changes.dht !== undefined && !this.#options.offThisRun?.dht) {
      await this.#engine.setDht(changes.dht)
      // Followed feeds are polled through the new node at once, not at the next round.
      if (changes.dht) this.#options.feeds?.pollSoon?.()
    }
    if (changes.lsd !== undefined && !this.#options.offThisRun?.lsd) await this.#engine.setLsd(changes.lsd)
    const saved = await store.update(changes)
    this.#engine.configure(runtimeSettingsOf(saved))
    if (!this.#options.offThisRun?.pex) this.#engine.setPex(saved.pex)
    this.events.publish('settings.changed', saved)
    return saved
  }

  #torrentName(infoHash: string): string | null {
    const stats = this.#engine.stats().find((torrent) => torrent.infoHash === infoHash)
    return stats?.hasMetadata ? stats.name : (this.#names.get(infoHash) ?? null)
  }

  /** The engine's details, with what the reputation store knows of each connected address. */
  async #details(infoHash: string): Promise<TorrentDetailsView> {
    const details = await this.#engine.details(infoHash)
    const store = this.#options.reputation
    return {
      ...details,
      peers: details.peers.map((peer) => {
        const key = peer.address ? addressKey(peer.address) : ''
        const record = key ? store.peers({ address: key, limit: 1 })[0] : undefined
        return {
          ...peer,
          score: record?.score ?? null,
          banned: key !== '' && store.banFor(key) !== undefined,
        }
      }),
    }
  }

  async #offer(infoHash: string, text: string): Promise<OfferResult> {
    const offer = this.#options.offerEnvelopes
    if (!offer) throw new VouchError('bad-input', 'this engine has no provenance gate to offer envelopes to')
    const decision = await offer(infoHash, envelopesInText(text))
    if (decision.accepted) {
      // The gate audits the acceptance (observeAudit sets the badge); answer with the same names.
      const pinned = await this.#pinnedNames()
      const publishers = decision.signers.map(({ fingerprint }) => ({
        fingerprint,
        name: pinned.get(fingerprint) ?? fingerprint,
      }))
      this.#publishQuietly(infoHash)
      return { status: 'accepted', infoHash, publishers }
    }
    return {
      status: 'refused',
      refusal: {
        code: decision.reason,
        reason: decision.message,
        source: 'offered envelope',
        infoHash,
        publisher: null,
        ...thresholdOf(decision.threshold),
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
    const views = this.#list()
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

  #list(): TorrentView[] {
    return this.#views.views(this.#engine.stats(), (infoHash) => this.#provenanceOf(infoHash))
  }

  /** The same object while nothing changed (the view cache compares provenance by identity). */
  #provenanceOf(infoHash: string): Provenance {
    const known = this.#provenance.get(infoHash)
    if (known) return known
    const held = this.#options.heldState?.(infoHash)
    if (held === 'awaiting-envelope') return HELD_FOR_SIGNATURE
    if (held === 'awaiting-metadata') return HELD_FOR_METADATA
    return UNCHECKED
  }

  async #add(source: TorrentSource, label: string, request: AddRequest): Promise<AddResult> {
    const infoHash = source.parsed.infoHash ?? null
    // Known before the add returns: the gate may refuse a magnet as soon as its metadata arrives.
    const parsedName = (source.parsed as { name?: unknown }).name
    if (infoHash) this.#names.set(infoHash, typeof parsedName === 'string' && parsedName ? parsedName : label)
    const listed = infoHash !== null && this.#engine.stats().some((torrent) => torrent.infoHash === infoHash)
    const key = infoHash ?? ''
    this.#adding.set(key, (this.#adding.get(key) ?? 0) + 1)
    try {
      // An add made while another of the same torrent is under way waits for it (engine add-queue.ts):
      // `existing` then says it found the torrent that add put in the list.
      const { torrent, existing } = await this.#engine.addOutcome(source, {
        ...(request.allowUnsigned ? { allowUnsigned: true } : {}),
        ...(request.peers ? { peers: request.peers } : {}),
      })
      const duplicate = listed || existing
      if (request.allowUnsigned) this.#provenance.set(torrent.infoHash, { status: 'unsigned-allowed' })
      this.#publishQuietly(torrent.infoHash)
      return {
        status: 'added',
        infoHash: torrent.infoHash,
        name: torrent.name ?? torrent.infoHash,
        duplicate,
      }
    } catch (error) {
      // Kept while the torrent is listed or another add of it is under way (it may be admitted).
      if (infoHash && this.#adding.get(key) === 1 && !this.#engine.statsFor(infoHash))
        this.#names.delete(infoHash)
      if (isVouchError(error) && error.code === 'refused') {
        return { status: 'refused', refusal: refusalFrom(error, label, infoHash) }
      }
      throw error
    } finally {
      const left = (this.#adding.get(key) ?? 1) - 1
      if (left > 0) this.#adding.set(key, left)
      else this.#adding.delete(key)
    }
  }

  /** The torrent's view now, published when it differs from the last one sent. */
  #publishUpdate(infoHash: string): TorrentView {
    // One torrent's stats: building every torrent's (engine.stats()) per update made resuming
    // 2 000 torrents quadratic, each added torrent's audit event publishing its update.
    const stats = this.#engine.statsFor(infoHash)
    if (!stats) throw new VouchError('bad-input', `no torrent ${infoHash} in the list`, { infoHash })
    return this.#publishIfChanged(stats)
  }

  #publishIfChanged(stats: TorrentStats): TorrentView {
    // The list's own view object: the first list after a resume finds every view built (each
    // torrent's first progress event), and the transport makes each view's JSON once for both.
    const view = this.#views.view(stats, this.#provenanceOf(stats.infoHash))
    if (this.#published.get(view.infoHash) !== view) {
      this.#published.set(view.infoHash, view)
      this.events.publish('torrent.updated', view)
    }
    return view
  }

  #forwardEngineEvents(): void {
    const engineEvents = this.#engine.events
    this.#unsubscribe.push(
      engineEvents.on('progress', (stats) => void this.#publishIfChanged(stats)),
      engineEvents.on('added', ({ infoHash }) => this.#publishQuietly(infoHash)),
      engineEvents.on('metadata', ({ infoHash }) => this.#publishQuietly(infoHash)),
      engineEvents.on('done', ({ infoHash, name }) => {
        this.#publishQuietly(infoHash)
        this.events.publish('torrent.done', { infoHash, name })
      }),
      engineEvents.on('removed', ({ infoHash }) => {
        this.#published.delete(infoHash)
        this.#views.forget(infoHash)
        this.events.publish('torrent.removed', { infoHash })
      }),
      engineEvents.on('hash-failure', ({ infoHash, piece, bytes }) =>
        this.events.publish('torrent.hashFailed', { infoHash, piece, bytes }),
      ),
      engineEvents.on('warning', ({ infoHash, message }) => {
        if (isHashFailureWarning(message)) this.history.countHashFailure()
        this.events.publish('notice', { level: 'warning', infoHash, message })
      }),
      engineEvents.on('error', ({ infoHash, code, message, refusal }) => {
        // A magnet whose metadata did not match its signature is refused after it was added.
        if (code === 'refused') void this.#refusedLate(infoHash, message, refusal)
        else this.events.publish('notice', { level: 'error', infoHash, message })
      }),
      engineEvents.on('ban', (ban) =>
        this.events.publish('ban.created', {
          ...banView({ ...ban, rangeEnd: null }, (infoHash) => this.#torrentName(infoHash)),
          connectionsClosed: ban.connectionsClosed,
        }),
      ),
      engineEvents.on('peer-connected', ({ address }) => this.#countConnection(address, +1)),
      engineEvents.on('peer-disconnected', ({ address }) => this.#countConnection(address, -1)),
    )
  }

  /**
   * Publish a torrent's view if it is still in the list (events may race a removal). One torrent's
   * stats only: every torrent's per event made resuming 2 000 torrents quadratic.
   */
  #publishQuietly(infoHash: string): void {
    const stats = this.#engine.statsFor(infoHash)
    if (stats) this.#publishIfChanged(stats)
  }

  /** The gate's reason code, sentence and key, as the refusal dialog shows them for an add. */
  async #refusedLate(infoHash: string | null, message: string, refusal: GateRefusal | undefined) {
    const fingerprint = refusal?.fingerprint ?? null
    const publicKey = refusal?.publicKey ?? null
    const source = (infoHash ? this.#names.get(infoHash) : undefined) ?? infoHash ?? 'torrent'
    if (infoHash) {
      // The gate destroyed the torrent: drop it from the list (a restart must not add it again) and
      // from the UI, where its row would otherwise stay with the badge of the accepted envelope.
      this.#provenance.delete(infoHash)
      this.#names.delete(infoHash)
      await this.#engine.remove(infoHash).catch(() => undefined)
      this.events.publish('torrent.removed', { infoHash })
    }
    const name = fingerprint ? ((await this.#pinnedNames()).get(fingerprint) ?? null) : null
    this.events.publish('torrent.refused', {
      code: refusal?.code ?? 'refused',
      reason: message,
      source,
      infoHash,
      publisher: fingerprint && publicKey ? { fingerprint, publicKey, name } : null,
      ...thresholdOf(refusal?.threshold),
    })
  }

  #countConnection(address: string, change: number): void {
    if (!address) return
    const key = addressKey(address)
    const count = (this.#connections.get(key) ?? 0) + change
    if (count > 0) this.#connections.set(key, count)
    else this.#connections.delete(key)
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
