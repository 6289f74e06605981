/**
 * The shared loopback swarm kit. Every seeder is a real WebTorrent client; each is reached on its
 * own loopback address (127.0.0.2, 127.0.0.3, …) so bans by IP mean something. Everything the kit
 * starts is recorded and stopped by `swarm.close()`; every wait is bounded.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type Wire from 'bittorrent-protocol'
import { Server as TrackerServer } from 'bittorrent-tracker'
import WebTorrent, { type ClientOptions, type Torrent } from 'webtorrent'
import { createTorrentFile } from '../../src/cli/commands/create.ts'
import { createEngine, type VouchEngineOptions } from '../../src/engine/create-engine.ts'
import { Engine, type EngineOptions } from '../../src/engine/engine.ts'

/** Client options for every test peer: no DHT, LSD, UPnP, NAT-PMP, PEX or uTP. */
export const QUIET_CLIENT = {
  dht: false,
  lsd: false,
  natUpnp: false,
  natPmp: false,
  utPex: false,
  utp: false,
  tracker: false,
} as const

let nextHost = 2
/** A fresh loopback address per peer. 127.0.0.1 is left for the tracker and the leecher. */
export function nextLoopbackAddress(): string {
  const host = nextHost++
  return `127.0.${Math.floor(host / 250)}.${(host % 250) + 2}`
}

/**
 * Every directory `tempDir` made in this process, shared across module instances (vitest loads the
 * kit once per test file in the same worker). `removeTempDirs` deletes them: test/kit/cleanup.ts
 * runs it after each test file, and an exit hook catches benches and scripts.
 */
const made: Set<string> = ((globalThis as { __vouchTempDirs?: Set<string> }).__vouchTempDirs ??= (() => {
  const dirs = new Set<string>()
  process.once('exit', () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  return dirs
})())

export async function tempDir(prefix = 'vouch-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  made.add(dir)
  return dir
}

/** Delete every directory made by `tempDir` so far. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made]
  made.clear()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface Payload {
  dir: string
  file: string
  name: string
  bytes: Buffer
  torrentFile: Uint8Array
  torrentPath: string
}

/** Random bytes on disk plus a .torrent for them. */
export async function makePayload(
  options: { bytes?: number; pieceLength?: number; name?: string; announce?: string[] } = {},
): Promise<Payload> {
  const dir = await tempDir('vouch-payload-')
  const name = options.name ?? 'payload.bin'
  const file = path.join(dir, name)
  const bytes = randomBytes(options.bytes ?? 1024 * 1024)
  await writeFile(file, bytes)
  const torrentFile = await createTorrentFile(file, {
    pieceLength: options.pieceLength ?? 32 * 1024,
    ...(options.announce ? { announce: options.announce } : {}),
  })
  const torrentPath = path.join(dir, `${name}.torrent`)
  await writeFile(torrentPath, torrentFile)
  return { dir, file, name, bytes, torrentFile, torrentPath }
}

/**
 * A folder of files (name → size in bytes) and a multi-file .torrent for it; `bytes` is the
 * files' contents in torrent order, `file` the folder.
 */
export async function makeFolderPayload(
  files: Record<string, number>,
  options: { pieceLength?: number; name?: string } = {},
): Promise<Payload & { files: { path: string; bytes: Buffer }[] }> {
  const dir = await tempDir('vouch-payload-')
  const name = options.name ?? 'folder'
  const folder = path.join(dir, name)
  await mkdir(folder, { recursive: true })
  const written: { path: string; bytes: Buffer }[] = []
  for (const [fileName, size] of Object.entries(files)) {
    const bytes = randomBytes(size)
    await writeFile(path.join(folder, fileName), bytes)
    written.push({ path: path.join(name, fileName), bytes })
  }
  const torrentFile = await createTorrentFile(folder, { pieceLength: options.pieceLength ?? 32 * 1024 })
  const torrentPath = path.join(dir, `${name}.torrent`)
  await writeFile(torrentPath, torrentFile)
  const bytes = Buffer.concat(written.map((file) => file.bytes))
  return { dir, file: folder, name, bytes, torrentFile, torrentPath, files: written }
}

/** Applied to every wire of a seeder: lets adversarial peers tamper with what they send. */
export type WireBehaviour = (wire: Wire, torrent: Torrent) => void

export interface Seeder {
  client: WebTorrent
  torrent: Torrent
  /** The loopback address the leecher should dial. */
  host: string
  port: number
  /** HOST:PORT */
  address: string
  /** Piece requests this seeder received, so tests can prove nothing was fetched. */
  requestsReceived: number
}

/** A plain WebTorrent seeder for `payload`, reachable at its own loopback address. */
export async function startSeeder(
  payload: Payload,
  options: {
    behaviour?: WireBehaviour
    host?: string
    /** e.g. `uploadLimit` (bytes/s) to make a seeder slower than the others. */
    client?: Partial<ClientOptions>
    /**
     * TCP_NODELAY on the seeder's peer sockets, as libtorrent and most desktop clients set it
     * (WebTorrent does not; on loopback its Nagle + the leecher's delayed ACK add ~40 ms stalls).
     */
    noDelay?: boolean
  } = {},
): Promise<Seeder> {
  const client = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0, ...options.client })
  await withTimeout(
    new Promise<void>((resolve) =>
      client.listening ? resolve() : client.once('listening', () => resolve()),
    ),
    10_000,
    'seeder listening',
  )
  const torrent = await withTimeout(
    new Promise<Torrent>((resolve, reject) => {
      client.once('error', reject)
      client.add(payload.torrentFile, { path: payload.dir }, (t) => {
        if (t.done) resolve(t)
        else t.once('done', () => resolve(t))
      })
    }),
    30_000,
    'seeder verifying its data',
  )
  const host = options.host ?? nextLoopbackAddress()
  const port = client.address()?.port ?? 0
  const seeder: Seeder = { client, torrent, host, port, address: `${host}:${port}`, requestsReceived: 0 }
  torrent.on('wire', (wire: Wire) => {
    if (options.noDelay) setNoDelay(torrent, wire)
    wire.on('request', () => {
      seeder.requestsReceived++
    })
    options.behaviour?.(wire, torrent)
  })
  return seeder
}

function setNoDelay(torrent: Torrent, wire: Wire): void {
  const peers = (torrent as unknown as { _peers?: Map<string, { wire?: Wire; conn?: unknown }> })._peers
  for (const peer of peers?.values() ?? []) {
    if (peer.wire === wire) (peer.conn as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true)
  }
}

export async function stopClient(client: WebTorrent): Promise<void> {
  if (client.destroyed) return
  await withTimeout(new Promise<void>((resolve) => client.destroy(() => resolve())), 10_000, 'client destroy')
}

export interface Tracker {
  server: TrackerServer
  announceUrl: string
}

/** An HTTP tracker on 127.0.0.1. */
export async function startTracker(): Promise<Tracker> {
  const server = new TrackerServer({ udp: false, http: true, ws: false, stats: false })
  await withTimeout(
    new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())),
    10_000,
    'tracker listen',
  )
  const address = server.http?.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { server, announceUrl: `http://127.0.0.1:${port}/announce` }
}

/** Owns everything a test starts; `close()` stops it all, in reverse order. */
export class Swarm {
  readonly #cleanups: (() => Promise<void>)[] = []

  defer(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup)
  }

  async payload(options?: Parameters<typeof makePayload>[0]): Promise<Payload> {
    const payload = await makePayload(options)
    this.defer(() => rm(payload.dir, { recursive: true, force: true }))
    return payload
  }

  async seeder(payload: Payload, options?: Parameters<typeof startSeeder>[1]): Promise<Seeder> {
    const seeder = await startSeeder(payload, options)
    this.defer(() => stopClient(seeder.client))
    return seeder
  }

  /**
   * A WebTorrent peer that has the torrent but none of its data, on its own loopback address: it
   * keeps a connection open (nothing to finish), so tests can watch a live wire being closed.
   */
  async emptyPeer(payload: Payload): Promise<{ client: WebTorrent; host: string; address: string }> {
    const client = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
    this.defer(() => stopClient(client))
    const dir = await this.tempDir('vouch-empty-')
    await withTimeout(
      new Promise<void>((resolve) => client.add(payload.torrentFile, { path: dir }, () => resolve())),
      10_000,
      'empty peer ready',
    )
    const host = nextLoopbackAddress()
    return { client, host, address: `${host}:${client.address()?.port ?? 0}` }
  }

  async tracker(): Promise<Tracker> {
    const tracker = await startTracker()
    this.defer(() => new Promise<void>((resolve) => tracker.server.close(() => resolve())))
    return tracker
  }

  /** A Vouch engine with its own temporary home and discovery off. */
  async engine(options: Partial<EngineOptions> = {}): Promise<Engine> {
    return this.openEngine(options, (full) => Engine.open(full))
  }

  /**
   * An engine as the CLI runs it, with the provenance gate installed (src/engine/create-engine.ts):
   * unsigned torrents are refused unless added with `allowUnsigned`.
   */
  async gatedEngine(options: Partial<VouchEngineOptions> = {}): Promise<Engine> {
    return this.openEngine(options, (full) => createEngine(full))
  }

  /** Discovery off and no resume unless asked; a temporary home, removed on close, unless given. */
  private async openEngine<O extends Partial<EngineOptions>>(
    options: O,
    open: (options: O & EngineOptions) => Promise<Engine>,
  ): Promise<Engine> {
    const home = options.home ?? (await tempDir('vouch-home-'))
    await mkdir(home, { recursive: true })
    const engine = await open({ ...QUIET_CLIENT, resume: false, ...options, home })
    this.defer(async () => {
      await engine.close()
      if (!options.home) await rm(home, { recursive: true, force: true })
    })
    return engine
  }

  async tempDir(prefix?: string): Promise<string> {
    const dir = await tempDir(prefix)
    this.defer(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  async close(): Promise<void> {
    const errors: unknown[] = []
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        errors.push(error)
      }
    }
    this.#cleanups.length = 0
    if (errors.length) throw new AggregateError(errors, 'swarm cleanup failed')
  }
}

/** Resolves when `torrent` has its metadata (its info dictionary); rejects after `ms`. */
export function whenMetadata(torrent: Torrent, ms = 20_000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) =>
      torrent.infoBuffer ? resolve() : torrent.once('metadata', () => resolve()),
    ),
    ms,
    `metadata of ${torrent.name ?? torrent.infoHash}`,
  )
}

/** Resolves when `torrent` is ready (its store and pieces set up); rejects after `ms`. */
export function whenReady(torrent: Torrent, ms = 20_000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => (torrent.ready ? resolve() : torrent.once('ready', () => resolve()))),
    ms,
    `${torrent.name ?? torrent.infoHash} ready`,
  )
}

/** Resolves when `torrent` is done; rejects after `ms`. */
export function whenDone(torrent: Torrent, ms = 30_000): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => (torrent.done ? resolve() : torrent.once('done', () => resolve()))),
    ms,
    `download of ${torrent.name ?? torrent.infoHash}`,
  )
}

/** Resolves with the first wire of `torrent` (present or future) from `host`. */
export function wireFrom(torrent: Torrent, host: string, ms = 15_000): Promise<Wire> {
  const present = torrent.wires.find((wire) => wire.remoteAddress === host)
  if (present) return Promise.resolve(present)
  return withTimeout(
    new Promise<Wire>((resolve) => {
      const onWire = (wire: Wire) => {
        if (wire.remoteAddress !== host) return
        torrent.off('wire', onWire)
        resolve(wire)
      }
      torrent.on('wire', onWire)
    }),
    ms,
    `a wire from ${host}`,
  )
}
