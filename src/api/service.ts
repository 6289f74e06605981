import type { AuditEvent, AuditSink } from '../audit.ts'
import { addressKey } from '../defence/address.ts'
import type { Engine } from '../engine/engine.ts'
import type { GateRefusal, TorrentStats } from '../engine/events.ts'
import { parseTorrentBytes, resolveSource, type TorrentSource } from '../engine/source.ts'
import { isVouchError, VouchError } from '../errors.ts'
import { envelopesFromMagnet, parseSidecar } from '../provenance/carriers.ts'
import type { Decision } from '../provenance/policy.ts'
import type { EnvelopeCandidate } from '../provenance/torrent.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { RulesPlugin } from '../rules/live.ts'
import type { AddResult, AppInfo, OfferResult, Provenance, Refusal, TorrentView } from './contract.ts'
import { Dispatcher, EventBus, type Handlers, type InternalErrorLog } from './dispatcher.ts'
import { banView, reputationHandlers } from './reputation-handlers.ts'
import { rulesHandlers } from './rules-handlers.ts'
import { subscriptionHandlers } from './subscription-handlers.ts'
import { isHashFailureWarning, StatsHistory } from './stats-history.ts'
import { trustHandlers } from './trust-handlers.ts'

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
  /** How often the chart gets a sample, ms. */
  sampleIntervalMs?: number
  logInternal?: InternalErrorLog
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
  }
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

function viewOf(stats: TorrentStats, provenance: Provenance): TorrentView {
  const finite = (value: number) => (Number.isFinite(value) && value >= 0 ? value : 0)
  return {
    infoHash: stats.infoHash,
    name: stats.name,
    length: finite(stats.length),
    downloaded: finite(stats.downloaded),
    uploaded: finite(stats.uploaded),
    progress: Math.min(1, finite(stats.progress)),
    downloadSpeed: finite(stats.downloadSpeed),
    uploadSpeed: finite(stats.uploadSpeed),
    numPeers: finite(stats.numPeers),
    timeRemaining: stats.done
      ? 0
      : Number.isFinite(stats.timeRemaining) && stats.timeRemaining >= 0
        ? stats.timeRemaining
        : null,
    done: stats.done,
    hasMetadata: stats.length > 0,
    provenance,
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
  readonly #connections = new Map<string, number>()
  /** What the user added, by infohash: named in a refusal that comes after the add returned. */
  readonly #names = new Map<string, string>()
  readonly #unsubscribe: (() => void)[] = []
  readonly #sampler: NodeJS.Timeout

  constructor(options: ApiServiceOptions) {
    this.#engine = options.engine
    this.#options = options
    this.events = new EventBus(options.logInternal)
    this.dispatcher = new Dispatcher(this.#handlers(), options.logInternal)
    for (const entry of this.#engine.remembered()) {
      if (entry.allowUnsigned) this.#provenance.set(entry.infoHash, { status: 'unsigned-allowed' })
    }
    this.#forwardEngineEvents()
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
      this.#publishUpdate(event.subject)
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
    this.#publishUpdate(infoHash)
  }

  /** Pinned publishers' names by fingerprint; none when the trust file cannot be read. */
  async #pinnedNames(): Promise<Map<string, string>> {
    const pinned = await this.#options.trust.list().catch(() => [])
    return new Map(pinned.map((publisher) => [publisher.fingerprint, publisher.name]))
  }

  #handlers(): Handlers {
    return {
      ...trustHandlers(this.#options.trust, this.#options.audit, this.events, this.#options.reevaluate),
      ...reputationHandlers({
        store: this.#options.reputation,
        defence: this.#engine.defence,
        home: this.#engine.paths.home,
        connections: () => new Map(this.#connections),
        events: this.events,
      }),
      ...subscriptionHandlers(this.#engine.paths.home, this.#options.reputation, this.events),
      ...rulesHandlers({
        home: this.#engine.paths.home,
        store: this.#options.reputation,
        live: this.#options.rules ?? null,
      }),
      'app.info': () => this.#info(),
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
      'stats.history': () => this.history.samples(),
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
      this.#publishUpdate(infoHash)
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

  #list(): TorrentView[] {
    return this.#engine.stats().map((stats) => viewOf(stats, this.#provenanceOf(stats.infoHash)))
  }

  #provenanceOf(infoHash: string): Provenance {
    const known = this.#provenance.get(infoHash)
    if (known) return known
    const held = this.#options.heldState?.(infoHash)
    if (held === 'awaiting-envelope') return { status: 'held', waitingFor: 'signature' }
    if (held === 'awaiting-metadata') return { status: 'held', waitingFor: 'metadata' }
    return { status: 'unchecked' }
  }

  async #add(source: TorrentSource, label: string, request: AddRequest): Promise<AddResult> {
    const infoHash = source.parsed.infoHash ?? null
    // Known before the add returns: the gate may refuse a magnet as soon as its metadata arrives.
    const parsedName = (source.parsed as { name?: unknown }).name
    if (infoHash) this.#names.set(infoHash, typeof parsedName === 'string' && parsedName ? parsedName : label)
    try {
      const torrent = await this.#engine.add(source, {
        ...(request.allowUnsigned ? { allowUnsigned: true } : {}),
        ...(request.peers ? { peers: request.peers } : {}),
      })
      if (request.allowUnsigned) this.#provenance.set(torrent.infoHash, { status: 'unsigned-allowed' })
      this.#publishUpdate(torrent.infoHash)
      return { status: 'added', infoHash: torrent.infoHash, name: torrent.name ?? torrent.infoHash }
    } catch (error) {
      if (infoHash && !this.#engine.stats().some((torrent) => torrent.infoHash === infoHash))
        this.#names.delete(infoHash)
      if (isVouchError(error) && error.code === 'refused') {
        return { status: 'refused', refusal: refusalFrom(error, label, infoHash) }
      }
      throw error
    }
  }

  #publishUpdate(infoHash: string): void {
    const stats = this.#engine.stats().find((torrent) => torrent.infoHash === infoHash)
    if (stats) this.events.publish('torrent.updated', viewOf(stats, this.#provenanceOf(infoHash)))
  }

  #forwardEngineEvents(): void {
    const engineEvents = this.#engine.events
    this.#unsubscribe.push(
      engineEvents.on('progress', (stats) =>
        this.events.publish('torrent.updated', viewOf(stats, this.#provenanceOf(stats.infoHash))),
      ),
      engineEvents.on('added', ({ infoHash }) => this.#publishUpdate(infoHash)),
      engineEvents.on('metadata', ({ infoHash }) => this.#publishUpdate(infoHash)),
      engineEvents.on('done', ({ infoHash, name }) => {
        this.#publishUpdate(infoHash)
        this.events.publish('torrent.done', { infoHash, name })
      }),
      engineEvents.on('removed', ({ infoHash }) => this.events.publish('torrent.removed', { infoHash })),
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
          ...banView({ ...ban, rangeEnd: null }),
          connectionsClosed: ban.connectionsClosed,
        }),
      ),
      engineEvents.on('peer-connected', ({ address }) => this.#countConnection(address, +1)),
      engineEvents.on('peer-disconnected', ({ address }) => this.#countConnection(address, -1)),
    )
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
    let downloadSpeed = 0
    let uploadSpeed = 0
    for (const torrent of this.#engine.stats()) {
      downloadSpeed += Number.isFinite(torrent.downloadSpeed) ? torrent.downloadSpeed : 0
      uploadSpeed += Number.isFinite(torrent.uploadSpeed) ? torrent.uploadSpeed : 0
    }
    this.events.publish('stats.sample', this.history.sample(Date.now(), downloadSpeed, uploadSpeed))
  }
}
