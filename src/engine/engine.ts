import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type Wire from 'bittorrent-protocol'
import WebTorrent, { type Torrent, type ClientOptions, type TorrentOptions } from 'webtorrent'
import type { AuditSink } from '../audit.ts'
import type { BanStore } from '../defence/ban-store.ts'
import { Defence } from '../defence/defence.ts'
import type { DefencePolicy } from '../defence/policy.ts'
import { VouchError } from '../errors.ts'
import { makePrivateDir } from '../private-files.ts'
import type { EngineEvents, TorrentStats } from './events.ts'
import { installMseKeyPairs } from './mse-keys.ts'
import { dataPaths, type DataPaths } from './paths.ts'
import type { EnginePlugin } from './plugin.ts'
import { readTorrentFile, resolveSource, type TorrentSource } from './source.ts'
import { TorrentList, type RememberedTorrent } from './torrent-list.ts'
import { TypedEmitter } from './typed-emitter.ts'
import { unchokeEarlyInterest } from './wire-fixes.ts'

export interface EngineOptions {
  /** Data directory (see resolveHome). */
  home: string
  /** Where downloads go unless an add says otherwise. Default: HOME/downloads. */
  downloadDir?: string
  /** TCP/uTP listening port; 0 picks a free one. */
  torrentPort?: number
  dht?: boolean
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
}

export interface SeedOptions {
  announce?: string[]
  pieceLength?: number
  remember?: boolean
}

const PEER_ADDRESS = /^(\[[0-9a-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/i

/** Validate HOST:PORT peer strings before they reach WebTorrent (which would throw or ignore them). */
export function parsePeerAddress(text: string): string {
  const match = PEER_ADDRESS.exec(text.trim())
  const port = match ? Number(match[2]) : 0
  if (!match || port < 1 || port > 65535) {
    throw new VouchError(
      'bad-input',
      `malformed peer address '${text}': expected HOST:PORT, e.g. 127.0.0.2:6881`,
    )
  }
  return `${match[1]}:${port}`
}

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
    client.on('error', (error: Error) => {
      this.events.emit('error', { infoHash: null, code: 'internal', message: error.message })
    })
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = dataPaths(options.home)
    makePrivateDir(paths.home)
    await mkdir(options.downloadDir ?? paths.downloads, { recursive: true })
    await mkdir(paths.torrentFiles, { recursive: true })
    const clientOptions: ClientOptions = {
      torrentPort: options.torrentPort ?? 0,
      dht: options.dht ?? true,
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
    await waitForListening(client)
    const engine = new Engine(options, client)
    engine.#progressTimer = setInterval(() => engine.#emitProgress(), options.progressIntervalMs ?? 1000)
    engine.#progressTimer.unref()
    if (options.resume !== false) await engine.#resume()
    return engine
  }

  /** The port peers reach this engine on. */
  get port(): number {
    return this.client.address()?.port ?? 0
  }

  get downloadDir(): string {
    return this.#options.downloadDir ?? this.paths.downloads
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
    let magnet = source.kind === 'magnet' ? source.uri : null
    for (const plugin of this.#plugins) {
      if (!plugin.admit) continue
      const admission = await plugin.admit({ source, allowUnsigned })
      if (admission.admitted) {
        torrentOptions = { ...torrentOptions, ...admission.torrentOptions }
        if (magnet !== null && admission.magnet) magnet = admission.magnet
      } else {
        throw new VouchError('refused', admission.reason, { code: admission.code, ...admission.details })
      }
    }
    const infoHash = source.parsed.infoHash
    this.#warnBlockedPeers(infoHash, peers)
    const existing = await this.client.get(infoHash)
    if (existing) {
      addPeers(existing, peers)
      return existing
    }
    const downloadDir = path.resolve(options.downloadDir ?? this.downloadDir)
    await mkdir(downloadDir, { recursive: true })
    const torrentId = source.kind === 'torrent-file' ? source.bytes : (magnet ?? infoHash)
    const torrent = this.client.add(torrentId, { ...torrentOptions, path: downloadDir })
    this.#track(torrent, false)
    addPeers(torrent, peers)
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
        addedAt: new Date().toISOString(),
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

  async remove(infoHash: string, options: { deleteData?: boolean } = {}): Promise<void> {
    const torrent = await this.client.get(infoHash)
    await this.#list.delete(infoHash)
    if (!torrent) return
    await new Promise<void>((resolve) => {
      void this.client.remove(torrent, { destroyStore: options.deleteData ?? false }, () => resolve())
    })
    this.events.emit('removed', { infoHash })
  }

  stats(): TorrentStats[] {
    return this.client.torrents.map(statsOf)
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
      try {
        const source = entry.torrentFile
          ? await readTorrentFile(entry.torrentFile)
          : await resolveSource(entry.magnet ?? entry.infoHash)
        await this.add(source, {
          downloadDir: entry.downloadDir,
          allowUnsigned: entry.allowUnsigned,
          remember: false,
        })
      } catch (error) {
        this.events.emit('warning', {
          infoHash: entry.infoHash,
          message: `could not resume: ${(error as Error).message}`,
        })
      }
    }
  }

  #track(torrent: Torrent, seeding: boolean): void {
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
    torrent.once('done', () => this.events.emit('done', { infoHash: torrent.infoHash, name: torrent.name }))
    torrent.on('warning', (error: Error) =>
      this.events.emit('warning', { infoHash: torrent.infoHash ?? null, message: error.message }),
    )
    torrent.on('error', (error: Error) =>
      this.events.emit('error', {
        infoHash: torrent.infoHash ?? null,
        code: 'internal',
        message: error.message,
      }),
    )
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

  #emitProgress(): void {
    for (const torrent of this.client.torrents) {
      if (torrent.ready && !torrent.destroyed) this.events.emit('progress', statsOf(torrent))
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

function addPeers(torrent: Torrent, peers: string[]): void {
  if (peers.length === 0) return
  const add = () => {
    for (const peer of peers) torrent.addPeer(peer)
  }
  if (torrent.infoHash) add()
  else torrent.once('infoHash', add)
}

function statsOf(torrent: Torrent): TorrentStats {
  return {
    infoHash: torrent.infoHash,
    name: torrent.name ?? torrent.infoHash,
    length: torrent.length ?? 0,
    downloaded: torrent.downloaded,
    uploaded: torrent.uploaded,
    progress: torrent.progress,
    downloadSpeed: torrent.downloadSpeed,
    uploadSpeed: torrent.uploadSpeed,
    numPeers: torrent.numPeers,
    timeRemaining: torrent.timeRemaining,
    done: torrent.done,
    paused: torrent.paused,
  }
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
