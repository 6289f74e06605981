import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type Dht from 'bittorrent-dht'
import type Wire from 'bittorrent-protocol'
import WebTorrent, { type Torrent, type ClientOptions, type TorrentOptions } from 'webtorrent'
import type { AuditSink } from '../audit.ts'
import { addressKey } from '../defence/address.ts'
import type { BanStore } from '../defence/ban-store.ts'
import { Defence } from '../defence/defence.ts'
import type { DefencePolicy } from '../defence/policy.ts'
import { VouchError } from '../errors.ts'
import { verifyBytes } from '../provenance/keys.ts'
import type { EngineEvents, TorrentStats } from './events.ts'
import { installMseKeyPairs } from './mse-keys.ts'
import { dataPaths, type DataPaths } from './paths.ts'
import type { EnginePlugin } from './plugin.ts'
import { resolveSource, type TorrentSource } from './source.ts'
import { deleteTorrentData } from './data-removal.ts'
import { applyFilePriorities, type FilePriority } from './file-priorities.ts'
import { detailsOf, type TorrentDetails } from './torrent-details.ts'
import { NO_LIMITS, Scheduler, type RuntimeSettings, type Tracked } from './scheduler.ts'
import { TrackerWatch } from './tracker-status.ts'
import { addPeers, disconnectAll, parsePeerAddress } from './torrent-control.ts'
import { resumeEntry } from './resume.ts'
import { TorrentList, type RememberedTorrent } from './torrent-list.ts'
import { ActivityTracker, statsOf } from './torrent-state.ts'
import { TypedEmitter } from './typed-emitter.ts'
import { unchokeEarlyInterest } from './wire-fixes.ts'
import { guardClient, type RequestFlood, type WireGuardOptions, type WireViolation } from './wire-guard.ts'

export interface EngineOptions {
  /** Data directory (see resolveHome). */
  home: string
  /** Where downloads go unless an add says otherwise. Default: HOME/downloads. */
  downloadDir?: string
  /** TCP/uTP listening port; 0 picks a free one. */
  torrentPort?: number
  dht?: boolean
  /** HOST:PORT of DHT nodes to join through instead of the public routers (a loopback DHT). */
  dhtBootstrap?: string[]
  lsd?: boolean
  natUpnp?: boolean
  natPmp?: boolean
  utp?: boolean
  utPex?: boolean
  /** Announce to trackers. */
  tracker?: boolean
  /** Resume the persisted torrent list on open. Default true. */
  resume?: boolean
  plugins?: EnginePlugin[]
  /** Poisoned-piece defence policy overrides; `false` turns the defence off (benchmarks only). */
  defence?: Partial<DefencePolicy> | false
  /**
   * Bounds on every peer wire's messages and request queue (wire-guard.ts); `false` turns the guard
   * off (benchmarks only: the before figure of the hostile-wire scenario).
   */
  wireGuard?: Partial<WireGuardOptions> | false
  /** Where the defence records bans. Default: in memory. */
  banStore?: BanStore
  /** Where bans and lifts are audited. */
  audit?: AuditSink
  /** How often `progress` events are emitted, in ms. */
  progressIntervalMs?: number
}

export interface AddOptions {
  downloadDir?: string
  /** Peers to connect to directly, as HOST:PORT. */
  peers?: string[]
  /** Explicit per-torrent override of the provenance policy. */
  allowUnsigned?: boolean
  /** Keep this torrent in the persisted list so a restart resumes it. Default true. */
  remember?: boolean
  /** Start paused (a torrent the user paused before a restart). */
  paused?: boolean
  /** When it was first added (ms since epoch); default now. */
  addedAt?: number
  /** Per-file priorities (by file index) to apply once the metadata is known. */
  files?: FilePriority[]
}

export interface SeedOptions {
  announce?: string[]
  pieceLength?: number
  remember?: boolean
}

export { parsePeerAddress } from './torrent-control.ts'

/**
 * The one object that owns the WebTorrent client. The CLI, the headless server and the Electron
 * main process are thin shells around it; provenance, defence and reputation attach as plugins.
 */
export class Engine {
  readonly events = new TypedEmitter<EngineEvents>()
  readonly paths: DataPaths
  readonly client: WebTorrent
  /** Block attribution, strikes and bans; null only when turned off with `defence: false`. */
  readonly defence: Defence | null
  readonly #options: EngineOptions
  readonly #plugins: EnginePlugin[]
  readonly #list: TorrentList
  readonly #tracked = new Map<string, Tracked>()
  /** Torrents WebTorrent destroyed with an error: listed, with the error, until removed. */
  readonly #failed = new Map<string, TorrentStats>()
  readonly #activity = new ActivityTracker()
  readonly #trackers = new WeakMap<Torrent, TrackerWatch>()
  readonly #scheduler: Scheduler
  #downloadDir: string
  #progressTimer: NodeJS.Timeout | undefined
  #closed = false
  /** Metadata of magnets being written for resuming (see add). */
  #persisting: Promise<void> = Promise.resolve()

  private constructor(options: EngineOptions, client: WebTorrent) {
    this.#options = options
    this.paths = dataPaths(options.home)
    this.client = client
    this.defence =
      options.defence === false
        ? null
        : new Defence({
            client,
            policy: options.defence ?? {},
            ...(options.banStore ? { banStore: options.banStore } : {}),
            ...(options.audit ? { audit: options.audit } : {}),
            onBan: (event) => this.events.emit('ban', event),
            onCredit: (event) => this.events.emit('peer-credit', event),
            onWarning: (infoHash, message) => this.events.emit('warning', { infoHash, message }),
          })
    this.#plugins = [...(this.defence ? [this.defence] : []), ...(options.plugins ?? [])]
    this.#list = new TorrentList(this.paths.torrentList)
    this.#downloadDir = path.resolve(options.downloadDir ?? this.paths.downloads)
    this.#scheduler = new Scheduler({
      client,
      tracked: (torrent) => this.#tracked.get(torrent.infoHash),
      isHeld: (torrent) => isHeldByGate(torrent) || this.#failed.has(torrent.infoHash),
      pauseForLimit: (infoHash, limit) => {
        this.events.emit('warning', { infoHash, message: `reached the seed ${limit} limit: paused` })
        this.pause(infoHash).catch(() => undefined)
      },
    })
    client.on('error', (error: Error) => {
      this.events.emit('error', { infoHash: null, code: 'internal', message: error.message })
    })
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = dataPaths(options.home)
    await mkdir(paths.home, { recursive: true })
    await mkdir(options.downloadDir ?? paths.downloads, { recursive: true })
    await mkdir(paths.torrentFiles, { recursive: true })
    const clientOptions: ClientOptions = {
      torrentPort: options.torrentPort ?? 0,
      // A synchronous verify, or bittorrent-dht neither stores nor returns BEP 44 mutable items.
      dht:
        options.dht === false
          ? false
          : {
              verify: verifyBytes,
              ...(options.dhtBootstrap?.length ? { bootstrap: [...options.dhtBootstrap] } : {}),
            },
      lsd: options.lsd ?? true,
      natUpnp: options.natUpnp ?? true,
      natPmp: options.natPmp ?? true,
      // Off by default: see docs/decisions.md ("uTP").
      utp: options.utp ?? false,
      utPex: options.utPex ?? true,
      tracker: options.tracker ?? true,
    }
    // Without it every connection's encrypted handshake blocks the event loop 10–20 ms (mse-keys.ts).
    installMseKeyPairs()
    const client = new WebTorrent(clientOptions)
    // Guarded before it can connect to anyone; reports reach the engine once it exists.
    const opened: { engine?: Engine } = {}
    if (options.wireGuard !== false) {
      guardClient(
        client,
        {
          onViolation: (violation) => {
            if (opened.engine) opened.engine.#onWireViolation(violation)
          },
          onFlood: (flood) => {
            if (opened.engine) opened.engine.#onRequestFlood(flood)
          },
        },
        options.wireGuard,
      )
    }
    await waitForListening(client)
    const engine = new Engine(options, client)
    opened.engine = engine
    engine.#progressTimer = setInterval(() => engine.#emitProgress(), options.progressIntervalMs ?? 1000)
    engine.#progressTimer.unref()
    if (options.resume !== false) await engine.#resume()
    return engine
  }

  /** The client's Mainline DHT node (for feeds), or null with the DHT off. */
  get dht(): Dht | null {
    const dht = (this.client as { dht?: Dht | false | null }).dht
    return dht || null
  }

  /** The port peers reach this engine on. */
  get port(): number {
    return this.client.address()?.port ?? 0
  }

  get downloadDir(): string {
    return this.#downloadDir
  }

  /** Where new torrents go from now on (existing ones stay where they are). */
  async setDownloadDir(dir: string): Promise<void> {
    const resolved = path.resolve(dir)
    await mkdir(resolved, { recursive: true }).catch((error: Error) => {
      throw new VouchError('bad-input', `cannot use ${resolved} as the download folder: ${error.message}`)
    })
    this.#downloadDir = resolved
  }

  /** Rate limits, queue and seed limits, applied at once to every torrent. */
  configure(settings: RuntimeSettings): void {
    this.#scheduler.configure(settings)
  }

  get runtimeSettings(): RuntimeSettings {
    return this.#scheduler.settings ?? NO_LIMITS
  }

  /** A peer the user named that a plugin refuses (a ban) is reported, not dropped in silence. */
  #warnBlockedPeers(infoHash: string, peers: string[]): void {
    for (const peer of peers) {
      const host = peer.slice(0, peer.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')
      for (const plugin of this.#plugins) {
        const why = plugin.explainBlocked?.(host)
        if (!why) continue
        this.events.emit('warning', {
          infoHash,
          code: 'peer-banned',
          message: `peer ${peer} will not be contacted: ${why}`,
        })
        break
      }
    }
  }

  use(plugin: EnginePlugin): void {
    this.#plugins.push(plugin)
    for (const torrent of this.client.torrents) this.#attach(plugin, torrent)
  }

  /** Add a .torrent path, magnet or infohash (or an already resolved source). Refusals throw VouchError('refused'). */
  async add(input: string | TorrentSource, options: AddOptions = {}): Promise<Torrent> {
    this.#assertOpen()
    const source = typeof input === 'string' ? await resolveSource(input) : input
    const peers = (options.peers ?? []).map(parsePeerAddress)
    const allowUnsigned = options.allowUnsigned ?? false
    let torrentOptions: TorrentOptions = {}
    for (const plugin of this.#plugins) {
      if (!plugin.admit) continue
      const admission = await plugin.admit({ source, allowUnsigned })
      if (admission.admitted) torrentOptions = { ...torrentOptions, ...admission.torrentOptions }
      else {
        throw new VouchError('refused', admission.reason, { code: admission.code, ...admission.details })
      }
    }
    const infoHash = source.parsed.infoHash
    this.#warnBlockedPeers(infoHash, peers)
    const existing = await this.client.get(infoHash)
    if (existing) {
      await this.#rememberPeers(infoHash, peers)
      if (!existing.paused) addPeers(existing, peers)
      return existing
    }
    this.#failed.delete(infoHash)
    const downloadDir = path.resolve(options.downloadDir ?? this.downloadDir)
    await mkdir(downloadDir, { recursive: true })
    const torrentId =
      source.kind === 'torrent-file' ? source.bytes : source.kind === 'magnet' ? source.uri : infoHash
    const paused = options.paused ?? false
    const addedAt = options.addedAt ?? Date.now()
    const priorities = options.files ?? []
    // Queued from the start when the download slots are taken: not one request before its turn.
    const queued = !paused && this.#scheduler.mustQueueNewDownload()
    this.#tracked.set(infoHash, {
      addedAt,
      paused,
      queued,
      doneAt: null,
      peers: new Set(peers),
      priorities,
    })
    const torrent = this.client.add(torrentId, {
      ...torrentOptions,
      path: downloadDir,
      paused: paused || queued,
    })
    this.#track(torrent, false)
    if (priorities.some((priority) => priority !== 'normal')) {
      torrent.once('ready', () => {
        if (!isHeldByGate(torrent)) applyFilePriorities(torrent, priorities)
      })
    }
    if (!paused && !queued) addPeers(torrent, peers)
    if (options.remember !== false) {
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
        downloadDir,
        seeding: false,
        allowUnsigned,
        addedAt: new Date(addedAt).toISOString(),
        paused,
        peers,
      })
      if (!torrentFile) {
        torrent.once('metadata', () => {
          // Tracked so close() waits for it: a restart right after must find the stored .torrent.
          this.#persisting = this.#persisting
            .then(async () => {
              const file = await this.#storeTorrentFile(infoHash, torrent.torrentFile)
              const entry = this.#list.entries().find((e) => e.infoHash === infoHash)
              if (entry) await this.#list.put({ ...entry, torrentFile: file })
            })
            .catch((error: unknown) =>
              this.events.emit('warning', {
                infoHash,
                message: `could not store the metadata for resuming: ${(error as Error).message}`,
              }),
            )
        })
      }
    }
    return torrent
  }

  /** Seed local data (a file or directory): builds the torrent, hashes the data, announces. */
  async seed(dataPath: string, options: SeedOptions = {}): Promise<Torrent> {
    this.#assertOpen()
    const absolute = path.resolve(dataPath)
    const torrent = await new Promise<Torrent>((resolve, reject) => {
      const onError = (error: Error) =>
        reject(new VouchError('bad-input', `cannot seed ${dataPath}: ${error.message}`))
      this.client.once('error', onError)
      const seeded = this.client.seed(
        absolute,
        {
          ...(options.announce ? { announceList: [options.announce] } : {}),
          ...(options.pieceLength ? { pieceLength: options.pieceLength } : {}),
          path: path.dirname(absolute),
        },
        (t) => {
          this.client.off('error', onError)
          resolve(t)
        },
      )
      this.#track(seeded, true)
    })
    if (!this.#tracked.has(torrent.infoHash)) {
      this.#tracked.set(torrent.infoHash, {
        addedAt: Date.now(),
        paused: false,
        queued: false,
        doneAt: null,
        peers: new Set(),
        priorities: [],
      })
    }
    if (options.remember !== false) {
      const torrentFile = await this.#storeTorrentFile(torrent.infoHash, torrent.torrentFile)
      await this.#list.put({
        infoHash: torrent.infoHash,
        torrentFile,
        magnet: null,
        downloadDir: path.dirname(absolute),
        seeding: true,
        allowUnsigned: false,
        addedAt: new Date().toISOString(),
      })
    }
    return torrent
  }

  /**
   * Stop a torrent and forget it. With `deleteData`, its files are deleted too (only files of the
   * torrent, only under its save path; see data-removal.ts), after WebTorrent has closed them.
   */
  async remove(infoHash: string, options: { deleteData?: boolean } = {}): Promise<void> {
    const torrent = await this.client.get(infoHash)
    await this.#list.delete(infoHash)
    this.#tracked.delete(infoHash)
    this.#activity.forget(infoHash)
    const failed = this.#failed.delete(infoHash)
    if (!torrent) {
      if (failed) this.events.emit('removed', { infoHash })
      return
    }
    const savePath = torrent.path
    const files = torrent.files.map((file) => ({ path: file.path }))
    await new Promise<void>((resolve) => {
      void this.client.remove(torrent, { destroyStore: false }, () => resolve())
    })
    if (options.deleteData) await deleteTorrentData(savePath, files)
    this.events.emit('removed', { infoHash })
  }

  /** Close every connection and make no new ones until resumed; remembered across restarts. */
  async pause(infoHash: string): Promise<void> {
    const torrent = await this.#torrent(infoHash)
    const tracked = this.#trackedOf(torrent)
    tracked.paused = true
    tracked.queued = false
    torrent.pause()
    disconnectAll(torrent)
    this.#scheduler.enforce()
    await this.#list.update(infoHash, { paused: true })
  }

  async resume(infoHash: string): Promise<void> {
    const torrent = await this.#torrent(infoHash)
    const tracked = this.#trackedOf(torrent)
    tracked.paused = false
    // The queue may hold it back at once when its slots are taken.
    torrent.resume()
    addPeers(torrent, [...tracked.peers])
    this.#scheduler.enforce()
    await this.#list.update(infoHash, { paused: false })
  }

  /** Dial a peer by address for this torrent, now and after every resume and restart. */
  async addPeer(infoHash: string, address: string): Promise<boolean> {
    const peer = parsePeerAddress(address)
    const torrent = await this.#torrent(infoHash)
    await this.#rememberPeers(infoHash, [peer])
    return torrent.paused ? true : torrent.addPeer(peer)
  }

  /** Nodes in the DHT routing table (0 with the DHT off). */
  dhtNodes(): number {
    const dht = (this.client as unknown as { dht?: { nodes?: { count(): number } } | null }).dht
    const count = dht?.nodes?.count()
    return typeof count === 'number' && Number.isFinite(count) ? count : 0
  }

  /** Files, peers, trackers and pieces of one torrent. */
  async details(infoHash: string): Promise<TorrentDetails> {
    const torrent = await this.#torrent(infoHash)
    const trackers = this.#trackers.get(torrent)?.statuses() ?? []
    return detailsOf(torrent, this.#trackedOf(torrent).priorities, trackers)
  }

  /**
   * Set the priority of some files; a 'skip' file's pieces are never requested (unless another
   * wanted file shares them). Kept across restarts.
   */
  async setFilePriorities(
    infoHash: string,
    changes: readonly { index: number; priority: FilePriority }[],
  ): Promise<void> {
    const torrent = await this.#torrent(infoHash)
    if (!torrent.ready) {
      throw new VouchError('bad-input', 'the torrent has no metadata yet: its files are not known', {
        infoHash,
      })
    }
    if (isHeldByGate(torrent)) {
      throw new VouchError(
        'bad-input',
        'the torrent is held by the provenance gate: nothing is selected until a signature is accepted',
        { infoHash },
      )
    }
    const tracked = this.#trackedOf(torrent)
    const priorities = torrent.files.map((_, index) => tracked.priorities[index] ?? 'normal')
    for (const { index, priority } of changes) {
      if (index >= priorities.length) {
        throw new VouchError('bad-input', `no file ${index}: the torrent has ${priorities.length} files`, {
          infoHash,
          index,
        })
      }
      priorities[index] = priority
    }
    tracked.priorities = priorities
    applyFilePriorities(torrent, priorities)
    await this.#list.update(infoHash, { files: priorities })
  }

  /** Announce to the torrent's trackers and the DHT now; false when it uses neither. */
  async reannounce(infoHash: string): Promise<boolean> {
    const torrent = await this.#torrent(infoHash)
    return this.#trackers.get(torrent)?.reannounce() ?? false
  }

  /** The engine's numbers for every torrent, including those stopped by an error. */
  stats(): TorrentStats[] {
    return [...this.client.torrents.map((torrent) => this.#statsOf(torrent)), ...this.#failed.values()]
  }

  /** Peers added by hand to a torrent. */
  manualPeers(infoHash: string): string[] {
    return [...(this.#tracked.get(infoHash)?.peers ?? [])]
  }

  remembered(): RememberedTorrent[] {
    return this.#list.entries()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#progressTimer)
    for (const plugin of this.#plugins) await plugin.close?.()
    await new Promise<void>((resolve) => this.client.destroy(() => resolve()))
    await this.#persisting
    await this.#list.flush()
  }

  async #torrent(infoHash: string): Promise<Torrent> {
    const torrent = await this.client.get(infoHash)
    if (!torrent) {
      throw new VouchError('bad-input', `no torrent ${infoHash} in the list`, { infoHash })
    }
    return torrent
  }

  #trackedOf(torrent: Torrent): Tracked {
    let tracked = this.#tracked.get(torrent.infoHash)
    if (!tracked) {
      tracked = {
        addedAt: Date.now(),
        paused: torrent.paused,
        queued: false,
        doneAt: null,
        peers: new Set(),
        priorities: [],
      }
      this.#tracked.set(torrent.infoHash, tracked)
    }
    return tracked
  }

  async #rememberPeers(infoHash: string, peers: readonly string[]): Promise<void> {
    const tracked = this.#tracked.get(infoHash)
    if (!tracked || peers.every((peer) => tracked.peers.has(peer))) return
    for (const peer of peers) tracked.peers.add(peer)
    await this.#list.update(infoHash, { peers: [...tracked.peers] })
  }

  #statsOf(torrent: Torrent): TorrentStats {
    const tracked = this.#tracked.get(torrent.infoHash)
    return statsOf(
      torrent,
      {
        addedAt: tracked?.addedAt ?? Date.now(),
        paused: tracked?.paused ?? torrent.paused,
        queued: tracked?.queued ?? false,
      },
      this.#activity,
    )
  }

  #assertOpen(): void {
    if (this.#closed) throw new VouchError('internal', 'the engine is closed')
  }

  async #storeTorrentFile(infoHash: string, bytes: Uint8Array): Promise<string> {
    const file = path.join(this.paths.torrentFiles, `${infoHash}.torrent`)
    await writeFile(file, bytes)
    return file
  }

  async #resume(): Promise<void> {
    for (const entry of await this.#list.load()) {
      await resumeEntry(entry, (source, options) => this.add(source, options)).catch((error: Error) =>
        this.events.emit('warning', {
          infoHash: entry.infoHash,
          message: `could not resume: ${error.message}`,
        }),
      )
    }
  }

  #track(torrent: Torrent, seeding: boolean): void {
    this.#trackers.set(torrent, new TrackerWatch(torrent, this.#options.tracker ?? true))
    torrent.once('infoHash', () => {
      this.events.emit('added', { infoHash: torrent.infoHash, name: torrent.name ?? null, seeding })
    })
    torrent.once('metadata', () => {
      this.events.emit('metadata', {
        infoHash: torrent.infoHash,
        name: torrent.name,
        length: torrent.length,
        files: torrent.files.map((file) => ({ path: file.path, length: file.length })),
      })
    })
    torrent.once('done', () => {
      const tracked = this.#tracked.get(torrent.infoHash)
      if (tracked) tracked.doneAt ??= Date.now()
      this.events.emit('done', { infoHash: torrent.infoHash, name: torrent.name })
      this.#scheduler.enforce()
    })
    torrent.on('warning', (error: Error) =>
      this.events.emit('warning', { infoHash: torrent.infoHash ?? null, message: error.message }),
    )
    torrent.on('error', (error: Error) => {
      // WebTorrent destroys a torrent on error: keep its row, with the error, until it is removed.
      if (torrent.infoHash && this.#tracked.has(torrent.infoHash)) {
        this.#failed.set(torrent.infoHash, { ...this.#statsOf(torrent), error: error.message })
      }
      this.events.emit('error', {
        infoHash: torrent.infoHash ?? null,
        code: 'internal',
        message: error.message,
      })
    })
    torrent.on('wire', (wire: Wire) => {
      unchokeEarlyInterest(wire, torrent)
      setNoDelay(torrent, wire)
      for (const plugin of this.#plugins) plugin.attachWire?.(wire, torrent)
      const peer = () => ({
        infoHash: torrent.infoHash,
        address: wire.remoteAddress ?? '',
        port: wire.remotePort ?? 0,
        peerId: wire.peerId ?? null,
      })
      this.events.emit('peer-connected', peer())
      wire.once('close', () => this.events.emit('peer-disconnected', peer()))
    })
    for (const plugin of this.#plugins) this.#attach(plugin, torrent)
  }

  #attach(plugin: EnginePlugin, torrent: Torrent): void {
    plugin.attachTorrent?.(torrent)
  }

  /** The guard has already closed the wire; the defence bans its address with the evidence. */
  #onWireViolation(violation: WireViolation): void {
    const { host, port, peerId, infoHash, messageId, message, declaredLength, limit } = violation
    if (!this.defence || !host) {
      this.events.emit('warning', {
        infoHash,
        message: `closed ${host}:${port}: ${message} message of ${declaredLength} bytes (at most ${limit})`,
      })
      return
    }
    this.defence.protocol.violation({
      peer: { address: addressKey(host), host, port, peerId },
      evidence: { violation: 'length', infoHash, messageId, message, declaredLength, limit },
    })
  }

  #onRequestFlood(flood: RequestFlood): void {
    const { host, port, peerId, infoHash, dropped, allowed } = flood
    if (!this.defence || !host) return
    this.defence.protocol.flood({
      peer: { address: addressKey(host), host, port, peerId },
      infoHash,
      dropped,
      allowed,
    })
  }

  #emitProgress(): void {
    this.#scheduler.enforce()
    for (const torrent of this.client.torrents) {
      if (torrent.ready && !torrent.destroyed) this.events.emit('progress', this.#statsOf(torrent))
    }
  }
}

/**
 * TCP_NODELAY on the peer's socket, as libtorrent does: otherwise Nagle holds a `request` behind
 * an unacknowledged `have` until the peer's delayed ACK (~40 ms), stalling a drained pipeline.
 */
function setNoDelay(torrent: Torrent, wire: Wire): void {
  const peers = (torrent as unknown as { _peers?: Map<string, { wire?: Wire; conn?: unknown }> })._peers
  for (const peer of peers?.values() ?? []) {
    if (peer.wire !== wire) continue
    const conn = peer.conn as { setNoDelay?: (noDelay: boolean) => void } | null | undefined
    conn?.setNoDelay?.(true)
    return
  }
}

/** A torrent the provenance gate started deselected and has not yet released (plugin.ts). */
function isHeldByGate(torrent: Torrent): boolean {
  return (torrent as unknown as { _startAsDeselected?: boolean })._startAsDeselected === true
}

function waitForListening(client: WebTorrent): Promise<void> {
  if (client.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new VouchError('network', 'the listening socket did not open within 10 s')),
      10_000,
    )
    client.once('listening', () => {
      clearTimeout(timer)
      resolve()
    })
    client.once('error', (error: Error) => {
      clearTimeout(timer)
      reject(new VouchError('network', `cannot listen for peers: ${error.message}`))
    })
  })
}
