/**
 * Transmission RPC methods as calls of the API's commands (through the dispatcher, so every
 * argument is validated by the contract exactly as for the UI). Nothing here holds engine logic:
 * a refused add is the provenance gate's refusal, a removal with data is the engine's.
 */
import { statfs } from 'node:fs/promises'
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  TorrentLimits,
  TorrentView,
} from '../../api/contract.ts'
import type { ApiService } from '../../api/service.ts'
import { acceptsConnections } from '../port-probe.ts'
import { TorrentIds } from './ids.ts'
import { RpcFailure } from './failure.ts'
import { sessionArguments, settingsChange, SpeedMemory, type SessionFacts } from './session.ts'
import { knownFields, needsDetails, statusOf, STATUS, torrentFields } from './fields.ts'
import { TORRENT_LIMIT_KEYS, TorrentSpeedMemory } from './torrent-limits.ts'

export interface RpcContext {
  service: ApiService
  version: string
  /** The data directory (Transmission's config-dir). */
  home: string
  /** The peer listening port. */
  peerPort: () => number
  /** Bans in force (Vouch's blocklist). */
  activeBans: () => number
  startedAt: number
}

type Arguments = Record<string, unknown>
export type RpcMethod = (args: Arguments) => Promise<Arguments>

/** Largest .torrent a URL may return (the contract's limit for uploaded files). */
const MAX_TORRENT_BYTES = 16 * 1024 * 1024
const FETCH_TIMEOUT_MS = 30_000

export class RpcMethods {
  readonly ids = new TorrentIds()
  readonly #context: RpcContext
  readonly #corrupt = new Map<string, number>()
  readonly #stop: (() => void)[] = []
  readonly #speeds = new SpeedMemory()
  readonly #torrentSpeeds = new TorrentSpeedMemory()

  constructor(context: RpcContext) {
    this.#context = context
    this.#stop.push(
      context.service.events.subscribe((message) => {
        if (message.event === 'torrent.hashFailed') {
          const { infoHash, bytes } = message.payload
          this.#corrupt.set(infoHash, (this.#corrupt.get(infoHash) ?? 0) + bytes)
        } else if (message.event === 'torrent.removed') {
          this.ids.forget(message.payload.infoHash, Date.now())
          this.#corrupt.delete(message.payload.infoHash)
          this.#torrentSpeeds.forget(message.payload.infoHash)
        }
      }),
    )
  }

  close(): void {
    for (const stop of this.#stop) stop()
  }

  async #call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>> {
    const response = await this.#context.service.dispatcher.dispatch({ command, args })
    if (!response.ok) throw new RpcFailure(response.error.message)
    return response.result as CommandResult<K>
  }

  async #select(ids: unknown): Promise<TorrentView[]> {
    const selected = this.ids.select(await this.#call('torrents.list', {}), ids)
    if ('error' in selected) throw new RpcFailure(selected.error)
    return selected
  }

  /** Every method by its Transmission name. */
  methods(): Record<string, RpcMethod> {
    return {
      'session-get': (args) => this.#sessionGet(args),
      'session-set': (args) => this.#sessionSet(args),
      'session-stats': () => this.#sessionStats(),
      'torrent-get': (args) => this.#torrentGet(args),
      'torrent-add': (args) => this.#torrentAdd(args),
      'torrent-start': (args) => this.#each(args, (torrent) => this.#resume(torrent)),
      'torrent-start-now': (args) => this.#each(args, (torrent) => this.#resume(torrent)),
      'torrent-stop': (args) => this.#each(args, (torrent) => this.#pause(torrent)),
      'torrent-reannounce': (args) =>
        this.#each(args, (torrent) => this.#call('torrents.reannounce', { infoHash: torrent.infoHash })),
      'torrent-remove': (args) =>
        this.#each(args, (torrent) =>
          this.#call('torrents.remove', {
            infoHash: torrent.infoHash,
            deleteData: args['delete-local-data'] === true,
          }),
        ),
      'torrent-set': (args) => this.#torrentSet(args),
      'blocklist-update': async () => ({ 'blocklist-size': this.#context.activeBans() }),
      'free-space': (args) => this.#freeSpace(args),
      'port-test': () => this.#portTest(),
    }
  }

  async #each(args: Arguments, act: (torrent: TorrentView) => Promise<unknown>): Promise<Arguments> {
    for (const torrent of await this.#select(args.ids)) await act(torrent)
    return {}
  }

  async #pause(torrent: TorrentView): Promise<void> {
    if (!torrent.paused) await this.#call('torrents.pause', { infoHash: torrent.infoHash })
  }

  async #resume(torrent: TorrentView): Promise<void> {
    if (torrent.paused) await this.#call('torrents.resume', { infoHash: torrent.infoHash })
  }

  async #torrentGet(args: Arguments): Promise<Arguments> {
    const requested = Array.isArray(args.fields)
      ? args.fields.filter((f): f is string => typeof f === 'string')
      : []
    if (requested.length === 0) throw new RpcFailure('no fields specified')
    const fields = knownFields(requested)
    const all = await this.#call('torrents.list', {})
    const selected = this.ids.select(all, args.ids)
    if ('error' in selected) throw new RpcFailure(selected.error)
    const withDetails = needsDetails(fields)
    const now = Date.now()
    const rows: Record<string, unknown>[] = []
    for (const torrent of selected) {
      const details = withDetails
        ? await this.#call('torrents.details', { infoHash: torrent.infoHash }).catch(() => null)
        : null
      rows.push(
        torrentFields(fields, {
          id: this.ids.idOf(torrent.infoHash),
          torrent,
          details,
          corruptBytes: this.#corrupt.get(torrent.infoHash) ?? 0,
          queuePosition: all.indexOf(torrent),
          now,
          limits: details && this.#limitsOf(torrent.infoHash, details.limits),
        }),
      )
    }
    const torrents =
      args.format === 'table' ? [fields, ...rows.map((row) => fields.map((field) => row[field]))] : rows
    return {
      torrents,
      ...(args.ids === 'recently-active' ? { removed: this.ids.recentlyRemoved(now) } : {}),
    }
  }

  async #torrentAdd(args: Arguments): Promise<Arguments> {
    const result = await this.#add(args)
    if (result.status === 'refused') {
      const { refusal } = result
      const fingerprint = refusal.publisher?.fingerprint ?? null
      throw new RpcFailure(
        `refused by Vouch's provenance policy (${refusal.code}): ${refusal.reason}${fingerprint ? ` [key ${fingerprint}]` : ''}`,
        { refusal: { code: refusal.code, reason: refusal.reason, fingerprint } },
      )
    }
    if (args.paused === true) await this.#call('torrents.pause', { infoHash: result.infoHash })
    const added = { id: this.ids.idOf(result.infoHash), name: result.name, hashString: result.infoHash }
    return result.duplicate ? { 'torrent-duplicate': added } : { 'torrent-added': added }
  }

  async #add(args: Arguments): Promise<CommandResult<'torrents.add'>> {
    const downloadDir = args['download-dir']
    if (typeof downloadDir === 'string' && downloadDir !== '') {
      const current = (await this.#call('app.info', {})).downloadDir
      if (downloadDir !== current) {
        throw new RpcFailure(`a download-dir per torrent is not supported: torrents go to ${current}`)
      }
    }
    if (typeof args.metainfo === 'string') {
      return this.#call('torrents.addFile', {
        fileName: 'metainfo.torrent',
        contentBase64: args.metainfo.replace(/\s+/g, ''),
      })
    }
    const filename = typeof args.filename === 'string' ? args.filename.trim() : ''
    if (filename === '') throw new RpcFailure('torrent-add needs metainfo or filename')
    if (/^https?:\/\//i.test(filename)) {
      return this.#call('torrents.addFile', {
        fileName: new URL(filename).pathname.split('/').pop() || 'download.torrent',
        contentBase64: (await fetchTorrent(filename)).toString('base64'),
      })
    }
    if (/^magnet:/i.test(filename) || /^([0-9a-f]{40}|[a-z2-7]{32})$/i.test(filename)) {
      return this.#call('torrents.add', { source: filename })
    }
    throw new RpcFailure(
      'filename must be a magnet link, an infohash or an http(s) URL; send a local .torrent as metainfo',
    )
  }

  async #torrentSet(args: Arguments): Promise<Arguments> {
    const unsupported = Object.keys(args).filter((key) => key !== 'ids' && !TORRENT_SET_KEYS.has(key))
    if (unsupported.length > 0) {
      throw new RpcFailure(`torrent-set: Vouch does not support ${unsupported.join(', ')}`)
    }
    for (const torrent of await this.#select(args.ids)) {
      if (TorrentSpeedMemory.asksForLimits(args)) {
        const { limits } = await this.#call('torrents.details', { infoHash: torrent.infoHash })
        const change = this.#torrentSpeeds.change(torrent.infoHash, args, limits)
        if (Object.keys(change).length > 0) {
          await this.#call('torrents.setLimits', { infoHash: torrent.infoHash, ...change })
        }
      }
      const files = fileChanges(args)
      if (files.size === 0) continue
      const details = await this.#call('torrents.details', { infoHash: torrent.infoHash })
      const changes = [...files].map(([index, change]) => {
        const current = details.files[index]?.priority ?? 'normal'
        const wanted = change.wanted ?? current !== 'skip'
        const priority = change.priority ?? (current === 'skip' ? 'normal' : current)
        return { index, priority: wanted ? priority : ('skip' as const) }
      })
      await this.#call('torrents.setFiles', { infoHash: torrent.infoHash, files: changes })
    }
    return {}
  }

  #limitsOf(infoHash: string, limits: TorrentLimits) {
    const { down, up } = this.#torrentSpeeds.remembered(infoHash, limits)
    return { down, up, downLimited: limits.downloadLimit !== null, upLimited: limits.uploadLimit !== null }
  }

  async #sessionGet(args: Arguments): Promise<Arguments> {
    const settings = await this.#call('settings.get', {})
    const session: Arguments = await sessionArguments(settings, this.#facts(), this.#speeds)
    const fields = Array.isArray(args.fields) ? new Set(args.fields) : null
    return fields ? Object.fromEntries(Object.entries(session).filter(([key]) => fields.has(key))) : session
  }

  async #sessionSet(args: Arguments): Promise<Arguments> {
    const change = settingsChange(args, await this.#call('settings.get', {}), this.#speeds)
    if (Object.keys(change).length > 0) await this.#call('settings.set', change)
    return {}
  }

  #facts(): SessionFacts {
    return {
      version: this.#context.version,
      home: this.#context.home,
      peerPort: this.#context.peerPort(),
      activeBans: this.#context.activeBans(),
    }
  }

  async #sessionStats(): Promise<Arguments> {
    const torrents = await this.#call('torrents.list', {})
    const sum = (pick: (torrent: TorrentView) => number) => torrents.reduce((total, t) => total + pick(t), 0)
    const stats = {
      uploadedBytes: sum((t) => t.uploaded),
      downloadedBytes: sum((t) => t.downloaded),
      filesAdded: torrents.length,
      sessionCount: 1,
      secondsActive: Math.floor((Date.now() - this.#context.startedAt) / 1000),
    }
    const stopped = torrents.filter((torrent) => statusOf(torrent) === STATUS.stopped).length
    return {
      activeTorrentCount: torrents.length - stopped,
      pausedTorrentCount: stopped,
      torrentCount: torrents.length,
      downloadSpeed: Math.round(sum((t) => t.downloadSpeed)),
      uploadSpeed: Math.round(sum((t) => t.uploadSpeed)),
      // Vouch keeps no totals across restarts: the cumulative figures are this session's.
      'cumulative-stats': stats,
      'current-stats': stats,
    }
  }

  async #freeSpace(args: Arguments): Promise<Arguments> {
    if (typeof args.path !== 'string' || args.path === '') throw new RpcFailure('free-space needs a path')
    const stats = await statfs(args.path).catch((error: Error) => {
      throw new RpcFailure(`cannot read free space of ${args.path as string}: ${error.message}`)
    })
    return {
      path: args.path,
      'size-bytes': stats.bavail * stats.bsize,
      total_size: stats.blocks * stats.bsize,
    }
  }

  /** Whether the peer port accepts connections here (Vouch asks no outside service). */
  async #portTest(): Promise<Arguments> {
    const port = this.#context.peerPort()
    const open = await acceptsConnections(port)
    return { 'port-is-open': open, ipProtocol: 'ipv4' }
  }
}

/** torrent-set arguments Vouch applies. */
const TORRENT_SET_KEYS = new Set([
  'files-wanted',
  'files-unwanted',
  'priority-high',
  'priority-low',
  'priority-normal',
  ...TORRENT_LIMIT_KEYS,
])

type FileChange = { wanted?: boolean; priority?: 'low' | 'normal' | 'high' }

/** File index → what torrent-set changes about it (an empty list means none, not all). */
function fileChanges(args: Arguments): Map<number, FileChange> {
  const changes = new Map<number, FileChange>()
  const apply = (key: string, change: FileChange) => {
    const indices = args[key]
    if (indices === undefined) return
    if (!Array.isArray(indices) || !indices.every((index) => Number.isInteger(index) && index >= 0)) {
      throw new RpcFailure(`torrent-set: ${key} must be a list of file indices`)
    }
    for (const index of indices as number[]) changes.set(index, { ...changes.get(index), ...change })
  }
  apply('files-wanted', { wanted: true })
  apply('files-unwanted', { wanted: false })
  apply('priority-high', { priority: 'high' })
  apply('priority-low', { priority: 'low' })
  apply('priority-normal', { priority: 'normal' })
  return changes
}

async function fetchTorrent(url: string): Promise<Buffer> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' })
  } catch (error) {
    throw new RpcFailure(`cannot fetch ${url}: ${(error as Error).message}`)
  }
  if (!response.ok) throw new RpcFailure(`cannot fetch ${url}: HTTP ${response.status}`)
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > MAX_TORRENT_BYTES) throw new RpcFailure(`${url} is larger than a .torrent can be`)
  const bytes = Buffer.from(await response.arrayBuffer())
  if (bytes.length > MAX_TORRENT_BYTES) throw new RpcFailure(`${url} is larger than a .torrent can be`)
  return bytes
}
