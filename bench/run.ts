/**
 * `npm run bench`: Vouch against plain WebTorrent, side by side, on one loopback swarm, then every
 * scenario module in bench/ that exists (poisoners, provenance, reputation, feeds).
 *
 *   npm run bench -- [--size MIB] [--runs N] [--piece-length BYTES] [--seeder-nagle]
 *                    [--scenarios core,poison,provenance,reputation,feeds]
 *
 * The size also comes from VOUCH_BENCH_SIZE_MIB (default 256). The core comparison downloads the
 * same payload from one plain WebTorrent seeder on its own 127.0.0.x address, alternating the two
 * clients (WebTorrent first on even runs, Vouch first on odd ones) so warm-up and page cache favour
 * neither, and prints every time, the medians and the ratio Vouch/WebTorrent. "Vouch" is the
 * engine exactly as `vouch get` builds it (openGetEngine: provenance, defence, reputation store).
 * The seeder sets TCP_NODELAY on its peer sockets, as libtorrent and most desktop clients do and as
 * bench/poison.ts's seeders do; `--seeder-nagle` leaves Nagle on (plain WebTorrent's default), and
 * the table says which was used.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import WebTorrent, { type Torrent } from 'webtorrent'
import { openGetEngine } from '../src/cli/commands/get.ts'
import { installMseKeyPairs } from '../src/engine/mse-keys.ts'
import {
  QUIET_CLIENT,
  Swarm,
  stopClient,
  tempDir,
  whenDone,
  type Payload,
  type Seeder,
} from '../test/kit/swarm.ts'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const MIB = 1024 * 1024

export interface CoreBenchOptions {
  bytes: number
  pieceLength: number
  runs: number
  seederNoDelay: boolean
  log: (line: string) => void
}

export type BenchClient = 'webtorrent' | 'vouch'

export interface CoreBenchResult {
  bytes: number
  pieceLength: number
  /** Whether the seeder set TCP_NODELAY on its peer sockets. */
  seederNoDelay: boolean
  times: Record<BenchClient, number[]>
  medians: Record<BenchClient, number>
  /** median(Vouch) / median(WebTorrent) */
  ratio: number
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Generous bound: 1 MiB/s would be a failure anyway. */
const deadlineFor = (bytes: number) => Math.max(60_000, (bytes / MIB) * 1000)

async function downloadWithWebTorrent(payload: Payload, seeder: Seeder, out: string): Promise<number> {
  const client = new WebTorrent({ ...QUIET_CLIENT })
  try {
    const started = performance.now()
    const torrent: Torrent = client.add(payload.torrentFile, { path: out })
    torrent.once('infoHash', () => torrent.addPeer(seeder.address))
    await whenDone(torrent, deadlineFor(payload.bytes.length))
    return performance.now() - started
  } finally {
    await stopClient(client)
  }
}

async function downloadWithVouch(
  payload: Payload,
  seeder: Seeder,
  out: string,
  home: string,
): Promise<number> {
  const { engine, close } = await openGetEngine(
    { home, json: false },
    { dht: false, lsd: false, nat: false, tracker: false },
  )
  try {
    const started = performance.now()
    const torrent = await engine.add(payload.torrentPath, {
      downloadDir: out,
      peers: [seeder.address],
      allowUnsigned: true,
      remember: false,
    })
    await whenDone(torrent, deadlineFor(payload.bytes.length))
    return performance.now() - started
  } finally {
    await close()
  }
}

export async function runCoreBench(options: CoreBenchOptions): Promise<CoreBenchResult> {
  const { log } = options
  // Vouch's engine installs its cheap encrypted-handshake key pairs for the whole process when it
  // first opens; installed up front, WebTorrent's first run (it goes first) pays what later ones do.
  installMseKeyPairs()
  const swarm = new Swarm()
  try {
    log(
      `core: making a ${(options.bytes / MIB).toFixed(0)} MiB payload (pieces of ${options.pieceLength / 1024} KiB)`,
    )
    const payload = await swarm.payload({
      bytes: options.bytes,
      pieceLength: options.pieceLength,
      name: 'bench.bin',
    })
    const expected = createHash('sha256').update(payload.bytes).digest('hex')
    const seeder = await swarm.seeder(payload, { noDelay: options.seederNoDelay })
    log(`core: one WebTorrent seeder at ${seeder.address}, ${seederSocketSetting(options.seederNoDelay)}`)
    const times: Record<BenchClient, number[]> = { webtorrent: [], vouch: [] }
    for (let run = 0; run < options.runs; run++) {
      const order: BenchClient[] = run % 2 === 0 ? ['webtorrent', 'vouch'] : ['vouch', 'webtorrent']
      for (const client of order) {
        const out = await tempDir('vouch-bench-out-')
        const home = await tempDir('vouch-bench-home-')
        try {
          const ms =
            client === 'webtorrent'
              ? await downloadWithWebTorrent(payload, seeder, out)
              : await downloadWithVouch(payload, seeder, out, home)
          const actual = await sha256File(path.join(out, payload.name))
          if (actual !== expected)
            throw new Error(`${client} run ${run + 1}: downloaded bytes differ (sha256)`)
          times[client].push(ms)
          const speed = options.bytes / MIB / (ms / 1000)
          log(
            `core: run ${run + 1}/${options.runs} ${client.padEnd(10)} ${ms.toFixed(0).padStart(7)} ms  ${speed.toFixed(1)} MiB/s  sha256 ok`,
          )
        } finally {
          await rm(out, { recursive: true, force: true })
          await rm(home, { recursive: true, force: true })
        }
      }
    }
    const medians = { webtorrent: median(times.webtorrent), vouch: median(times.vouch) }
    return {
      bytes: options.bytes,
      pieceLength: options.pieceLength,
      seederNoDelay: options.seederNoDelay,
      times,
      medians,
      ratio: medians.vouch / medians.webtorrent,
    }
  } finally {
    await swarm.close()
  }
}

export function seederSocketSetting(noDelay: boolean): string {
  return noDelay ? 'seeder sockets TCP_NODELAY (as libtorrent)' : 'seeder sockets with Nagle (--seeder-nagle)'
}

export function formatCoreTable(result: CoreBenchResult): string {
  const mib = result.bytes / MIB
  const row = (client: BenchClient, label: string) => {
    const ms = result.medians[client]
    return `| ${label} | ${result.times[client].map((t) => t.toFixed(0)).join(', ')} | ${ms.toFixed(0)} ms | ${(mib / (ms / 1000)).toFixed(1)} MiB/s |`
  }
  return [
    `Clean download, ${mib.toFixed(0)} MiB in pieces of ${result.pieceLength / 1024} KiB, one loopback seeder, ${seederSocketSetting(result.seederNoDelay)}:`,
    '',
    '| client | runs (ms) | median | throughput |',
    '| --- | --- | ---: | ---: |',
    row('webtorrent', 'WebTorrent'),
    row('vouch', 'Vouch'),
    '',
    `ratio Vouch/WebTorrent: ${result.ratio.toFixed(2)}`,
  ].join('\n')
}

/**
 * Scenario modules other parts of Vouch contribute. Each exports a `run…Bench(options)` taking at
 * least `{ log }`; a module that also exports a `format…Table(result)` gets its result printed
 * through it (its log lines are then progress, sent to stderr).
 */
const SCENARIOS = [
  'poison',
  'provenance',
  'reputation',
  'cli-start',
  'hostile-wire',
  'swarm30',
  'get-process',
  'files20k',
  'store1m',
  'torrents2000',
  'ui2000',
  'turncoat',
  'feeds',
] as const

type ScenarioModule = Record<string, unknown>

/**
 * The flags the selected scenario modules take besides run.ts's own (each may export
 * `benchFlags: string[]`); every scenario also gets the whole argv to read them from.
 */
async function scenarioFlags(argv: string[]): Promise<string[]> {
  const selected = new Set(value(argv, '--scenarios')?.split(',') ?? SCENARIOS)
  const flags: string[] = []
  for (const name of SCENARIOS) {
    const file = path.join(BENCH_DIR, `${name}.ts`)
    if (!selected.has(name) || !existsSync(file)) continue
    const module = (await import(pathToFileURL(file).href)) as ScenarioModule
    if (Array.isArray(module.benchFlags)) flags.push(...(module.benchFlags as string[]))
  }
  return flags
}

async function runScenario(name: string, flags: Flags, argv: string[]): Promise<boolean> {
  const runs = flags.runsGiven ? flags.runs : undefined
  const file = path.join(BENCH_DIR, `${name}.ts`)
  if (!existsSync(file)) {
    console.log(`\n## ${name}: bench/${name}.ts does not exist yet, skipped`)
    return true
  }
  const module = (await import(pathToFileURL(file).href)) as ScenarioModule
  const runName = Object.keys(module).find(
    (key) => /^run\w*Bench$/.test(key) && typeof module[key] === 'function',
  )
  const formatName = Object.keys(module).find(
    (key) => /^format\w*Table$/.test(key) && typeof module[key] === 'function',
  )
  if (!runName) {
    console.log(`\n## ${name}: bench/${name}.ts exports no run…Bench function, skipped`)
    return false
  }
  console.log(`\n## ${name} (bench/${name}.ts)\n`)
  const run = module[runName] as (options: Record<string, unknown>) => Promise<unknown>
  const log = formatName ? (line: string) => console.error(line) : (line: string) => console.log(line)
  try {
    const result = await run({
      log,
      argv,
      ...(runs !== undefined ? { repeats: runs } : {}),
      ...(flags.sizeGiven ? { sizeMib: flags.sizeMib } : {}),
    })
    if (formatName) console.log((module[formatName] as (value: unknown) => string)(result))
    return true
  } catch (error) {
    console.log(`${name} failed: ${(error as Error).stack ?? String(error)}`)
    return false
  }
}

interface Flags {
  sizeMib: number
  sizeGiven: boolean
  runs: number
  runsGiven: boolean
  pieceLength: number
  seederNoDelay: boolean
  scenarios: Set<string>
}

function value(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name)
  return index === -1 ? undefined : argv[index + 1]
}

function parseFlags(argv: string[], scenarioFlags: string[] = []): Flags {
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback
    const number = Number(text)
    if (!Number.isFinite(number) || number <= 0)
      throw new Error(`${name} must be a positive number, not '${text}'`)
    return number
  }
  const known = new Set([
    '--size',
    '--runs',
    '--piece-length',
    '--seeder-nagle',
    '--scenarios',
    ...scenarioFlags,
  ])
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg))
      throw new Error(`unknown flag ${arg} (known: ${[...known].join(', ')})`)
  }
  const scenarios = value(argv, '--scenarios')
  return {
    sizeGiven: value(argv, '--size') !== undefined,
    sizeMib: positive('--size', value(argv, '--size') ?? process.env.VOUCH_BENCH_SIZE_MIB, 256),
    runs: Math.round(positive('--runs', value(argv, '--runs'), 3)),
    runsGiven: value(argv, '--runs') !== undefined,
    pieceLength: Math.round(positive('--piece-length', value(argv, '--piece-length'), 256 * 1024)),
    // Like bench/poison.ts: real clients' seeders set TCP_NODELAY, so the default does too.
    seederNoDelay: !argv.includes('--seeder-nagle'),
    scenarios: new Set(scenarios ? scenarios.split(',') : ['core', ...SCENARIOS]),
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  const flags = parseFlags(argv, await scenarioFlags(argv))
  console.log(`# Vouch bench (${new Date().toISOString()}, Node ${process.versions.node})\n`)
  let ok = true
  if (flags.scenarios.has('core')) {
    const result = await runCoreBench({
      bytes: Math.round(flags.sizeMib * MIB),
      pieceLength: flags.pieceLength,
      runs: flags.runs,
      seederNoDelay: flags.seederNoDelay,
      log: (line) => console.error(line),
    })
    console.log(formatCoreTable(result))
  }
  for (const name of SCENARIOS) {
    if (flags.scenarios.has(name)) ok = (await runScenario(name, flags, argv)) && ok
  }
  return ok ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench: ${(error as Error).message}`)
      process.exit(1)
    },
  )
}
