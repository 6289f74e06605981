import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type Dht from 'bittorrent-dht'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import type { Defence } from '../defence/defence.ts'
import { VouchError } from '../errors.ts'
import { makePrivateDir } from '../private-files.ts'
import { AddQueue } from './add-queue.ts'
import { dhtOptionsOf, openClient } from './client.ts'
import { startDht, stopDht } from './dht-switch.ts'
import { setLsd } from './lsd-switch.ts'
import { deleteTorrentData } from './data-removal.ts'
import type { AddOptions, AddOutcome, EngineOptions, SeedOptions } from './engine-options.ts'
import type { EngineEvents, TorrentStats } from './events.ts'
import type { FilePriority } from './file-priorities.ts'
import { closeNatTraversal } from './nat-close.ts'
import { dhtNodeCount, relisten, setPex } from './network.ts'
import { dataPaths, type DataPaths } from './paths.ts'
import { isHeldByGate, type EnginePlugin } from './plugin.ts'
import { TorrentProgress } from './progress.ts'
import { ResumeData } from './resume-data.ts'
import { newTracked, NO_LIMITS, Scheduler, type RuntimeSettings, type Tracked } from './scheduler.ts'
import { startSeeding, torrentOfData } from './seed-data.ts'
import { resolveSource, type TorrentSource } from './source.ts'
import type { TorrentDetails } from './torrent-details.ts'
import { defenceFor, reportRequestFlood, reportWireViolation, watchTorrent } from './torrent-events.ts'
import type { RememberedTorrent } from './torrent-list.ts'
import { TorrentThrottles, type TorrentLimits } from './torrent-throttle.ts'
import { TrackerWatch } from './tracker-status.ts'
import { TorrentOperations } from './torrent-operations.ts'
import { TorrentAdder } from './torrent-add.ts'
import { TypedEmitter } from './typed-emitter.ts'

export type { AddOptions, AddOutcome, EngineOptions, SeedOptions } from './engine-options.ts'
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
  readonly #resumeData: ResumeData
  readonly #tracked = new Map<string, Tracked>()
  /** Torrents WebTorrent destroyed with an error: listed, with the error, until removed. */
  readonly #failed = new Map<string, TorrentStats>()
  readonly #progress = new TorrentProgress((infoHash) => this.#tracked.get(infoHash))
  readonly #trackers = new WeakMap<Torrent, TrackerWatch>()
  readonly #throttles = new TorrentThrottles()
  readonly #scheduler: Scheduler
  readonly #operations: TorrentOperations
  readonly #adder: TorrentAdder
  readonly #adds = new AddQueue()
  #downloadDir: string
  #progressTimer: NodeJS.Timeout | undefined
  #closed = false
  #dhtSwitch: Promise<void> = Promise.resolve()

  private constructor(options: EngineOptions, client: WebTorrent) {
    this.#options = options
    this.paths = dataPaths(options.home)
    this.client = client
    this.defence = defenceFor(options, client, this.events)
    this.#plugins = [...(this.defence ? [this.defence] : []), this.#throttles, ...(options.plugins ?? [])]
    this.#resumeData = new ResumeData(this.paths)
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
    this.#operations = new TorrentOperations({
      client,
      tracked: this.#tracked,
      trackers: this.#trackers,
      throttles: this.#throttles,
      scheduler: this.#scheduler,
      resumeData: this.#resumeData,
    })
    this.#adder = new TorrentAdder({
      client,
      plugins: this.#plugins,
      events: this.events,
      tracked: this.#tracked,
      failed: this.#failed,
      throttles: this.#throttles,
      scheduler: this.#scheduler,
      resumeData: this.#resumeData,
      operations: this.#operations,
      downloadDir: () => this.downloadDir,
      track: (torrent, seeding) => this.#track(torrent, seeding),
      assertOpen: () => this.#assertOpen(),
    })
    client.on('error', (error: Error) => {
      this.events.emit('error', { infoHash: null, code: 'internal', message: error.message })
    })
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = dataPaths(options.home)
    makePrivateDir(paths.home)
    await mkdir(options.downloadDir ?? paths.downloads, { recursive: true })
    await mkdir(paths.torrentFiles, { recursive: true })
    // Guarded before it can connect to anyone; reports reach the engine once it exists.
    const opened: { engine?: Engine } = {}
    const client = await openClient(options, {
      onViolation: (violation) => {
        if (opened.engine) reportWireViolation(opened.engine.defence, opened.engine.events, violation)
      },
      onFlood: (flood) => {
        if (opened.engine) reportRequestFlood(opened.engine.defence, flood)
      },
    })
    const engine = new Engine(options, client)
    opened.engine = engine
    engine.#progressTimer = setInterval(() => engine.#emitProgress(), options.progressIntervalMs ?? 1000)
    engine.#progressTimer.unref()
    if (options.resume !== false)
      await engine.#adder.resumeAll((source, resumed) => engine.add(source, resumed))
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

  /** Listen for peers on `port` (0: any free one) from now on; open connections stay. */
  setListenPort(port: number): Promise<number> {
    return relisten(this.client, port)
  }

  /** Turn the DHT on or off at once, for every torrent and for feeds (dht-switch.ts). */
  setDht(enabled: boolean): Promise<void> {
    const apply = () => (enabled ? startDht(this.client, dhtOptionsOf(this.#options)) : stopDht(this.client))
    // One switch at a time, so two quick changes cannot start two nodes.
    const next = this.#dhtSwitch.then(apply, apply)
    this.#dhtSwitch = next.catch(() => undefined)
    return next
  }

  /** Turn local service discovery on or off at once, for every torrent (lsd-switch.ts). */
  setLsd(enabled: boolean): Promise<void> {
    return setLsd(this.client, enabled)
  }

  /** Offer PEX on connections made from now on. */
  setPex(enabled: boolean): void {
    setPex(this.client, enabled)
  }

  /** Rate limits, queue and seed limits, applied at once to every torrent. */
  configure(settings: RuntimeSettings): void {
    this.#scheduler.configure(settings)
  }

  get runtimeSettings(): RuntimeSettings {
    return this.#scheduler.settings ?? NO_LIMITS
  }

  use(plugin: EnginePlugin): void {
    this.#plugins.push(plugin)
    for (const torrent of this.client.torrents) this.#attach(plugin, torrent)
  }

  /** Add a .torrent path, magnet or infohash (or an already resolved source). Refusals throw VouchError('refused'). */
  async add(input: string | TorrentSource, options: AddOptions = {}): Promise<Torrent> {
    return (await this.addOutcome(input, options)).torrent
  }

  /**
   * The same add, saying whether the torrent was already in the list. Adds of one infohash run one
   * at a time (add-queue.ts): one made while another is under way answers as if made after it.
   */
  async addOutcome(input: string | TorrentSource, options: AddOptions = {}): Promise<AddOutcome> {
    this.#assertOpen()
    const source = typeof input === 'string' ? await resolveSource(input) : input
    return this.#adds.run(source.parsed.infoHash, () => this.#adder.add(source, options))
  }

  /**
   * Seed local data (a file or directory): hashes the data, announces. The torrent is handed to
   * WebTorrent through the add queue once its infohash is known: a seed made while an add or a seed
   * of the same torrent is under way answers what it would made afterwards, the torrent already
   * running (left as it is: not remembered again).
   */
  async seed(dataPath: string, options: SeedOptions = {}): Promise<Torrent> {
    this.#assertOpen()
    const parsed = await torrentOfData(dataPath, options)
    const { infoHash } = parsed
    const { torrent, announced } = await this.#adds.run(infoHash, async () => {
      this.#assertOpen()
      const running = this.client.torrents.find((candidate) => candidate.infoHash === infoHash)
      if (running) return { torrent: running, announced: Promise.resolve() }
      // As an add does: an earlier failed attempt's error row gives way to this torrent.
      this.#failed.delete(infoHash)
      const seeding = await startSeeding(this.client, parsed, dataPath, (seeded) => this.#track(seeded, true))
      if (!this.#tracked.has(infoHash)) this.#tracked.set(infoHash, newTracked({ paused: false }))
      if (options.remember !== false) await this.#resumeData.rememberSeeded(seeding.torrent, seeding.savePath)
      return seeding
    })
    await announced
    return torrent
  }

  /**
   * Stop a torrent and forget it. With `deleteData`, its files are deleted too (only files of the
   * torrent, only under its save path; see data-removal.ts), after WebTorrent has closed them.
   */
  async remove(infoHash: string, options: { deleteData?: boolean } = {}): Promise<void> {
    const torrent = await this.client.get(infoHash)
    await this.#resumeData.delete(infoHash)
    this.#tracked.delete(infoHash)
    this.#progress.forget(infoHash)
    this.#throttles.forget(infoHash)
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
  pause(infoHash: string): Promise<void> {
    return this.#operations.pause(infoHash)
  }

  resume(infoHash: string): Promise<void> {
    return this.#operations.resume(infoHash)
  }

  /** Dial a peer by address for this torrent, now and after every resume and restart. */
  addPeer(infoHash: string, address: string): Promise<boolean> {
    return this.#operations.addPeer(infoHash, address)
  }

  /** Nodes in the DHT routing table (0 with the DHT off). */
  dhtNodes(): number {
    return dhtNodeCount(this.client)
  }

  /** Files, peers, trackers and pieces of one torrent. */
  details(infoHash: string): Promise<TorrentDetails> {
    return this.#operations.details(infoHash)
  }

  /**
   * Set the priority of some files; a 'skip' file's pieces are never requested (unless another
   * wanted file shares them). Kept across restarts.
   */
  setFilePriorities(
    infoHash: string,
    changes: readonly { index: number; priority: FilePriority }[],
  ): Promise<void> {
    return this.#operations.setFilePriorities(infoHash, changes)
  }

  /** This torrent's own speed limits (inside the global ones); kept across restarts. */
  setTorrentLimits(infoHash: string, changes: Partial<TorrentLimits>): Promise<TorrentLimits> {
    return this.#operations.setTorrentLimits(infoHash, changes)
  }

  torrentLimits(infoHash: string): TorrentLimits {
    return this.#throttles.get(infoHash)
  }

  /** Announce to the torrent's trackers and the DHT now; false when it uses neither. */
  reannounce(infoHash: string): Promise<boolean> {
    return this.#operations.reannounce(infoHash)
  }

  /** The engine's numbers for every torrent, including those stopped by an error. */
  stats(): TorrentStats[] {
    return [
      ...this.client.torrents.map((torrent) => this.#progress.statsOf(torrent)),
      ...this.#failed.values(),
    ]
  }

  /** Peers added by hand to a torrent. */
  manualPeers(infoHash: string): string[] {
    return [...(this.#tracked.get(infoHash)?.peers ?? [])]
  }

  /** One torrent's stats (one stopped by an error too), without computing every other torrent's. */
  statsFor(infoHash: string): TorrentStats | undefined {
    const torrent = this.client.torrents.find((candidate) => candidate.infoHash === infoHash)
    return torrent ? this.#progress.statsOf(torrent) : this.#failed.get(infoHash)
  }

  /** Download and upload speed of the whole client, without computing every torrent's stats. */
  speeds(): { downloadSpeed: number; uploadSpeed: number } {
    return { downloadSpeed: this.client.downloadSpeed, uploadSpeed: this.client.uploadSpeed }
  }

  remembered(): RememberedTorrent[] {
    return this.#resumeData.entries()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#progressTimer)
    for (const plugin of this.#plugins) await plugin.close?.()
    // The NAT unmapping is waited for at most NAT_CLOSE_BOUND_MS, alongside the client's destroy.
    await Promise.all([
      closeNatTraversal(this.client),
      new Promise<void>((resolve) => this.client.destroy(() => resolve())),
    ])
    await this.#resumeData.flush()
  }

  #assertOpen(): void {
    if (this.#closed) throw new VouchError('internal', 'the engine is closed')
  }

  #track(torrent: Torrent, seeding: boolean): void {
    this.#trackers.set(torrent, new TrackerWatch(torrent, this.#options.tracker ?? true))
    watchTorrent(torrent, seeding, {
      events: this.events,
      plugins: this.#plugins,
      onDone: () => {
        const tracked = this.#tracked.get(torrent.infoHash)
        if (tracked) tracked.doneAt ??= Date.now()
        this.#scheduler.enforce()
      },
      onFatal: (_, error) => {
        // WebTorrent destroys a torrent on error: keep its row, with the error, until it is removed.
        if (torrent.infoHash && this.#tracked.has(torrent.infoHash)) {
          this.#failed.set(torrent.infoHash, { ...this.#progress.statsOf(torrent), error: error.message })
        }
      },
    })
    for (const plugin of this.#plugins) this.#attach(plugin, torrent)
  }

  #attach(plugin: EnginePlugin, torrent: Torrent): void {
    plugin.attachTorrent?.(torrent)
  }

  /** Progress of the torrents whose state changed (progress-changes.ts), not of every torrent. */
  #emitProgress(): void {
    this.#scheduler.enforce()
    this.#progress.emitChanged(this.client.torrents, (stats) => this.events.emit('progress', stats))
  }
}
