/**
 * get-process: the whole `vouch get` process, spawned as a user runs it (module loading, store,
 * download, exit), against a plain WebTorrent leecher script spawned the same way
 * (bench/plain-leecher.ts), from one WebTorrent seeder on its own loopback address. Wall clock and
 * CPU come from /usr/bin/time. The two alternate, each into a fresh directory (and a fresh HOME
 * for Vouch). Goal: Vouch ≤ 1.0× at 256 MiB and 1 GiB. `vouch get` runs without --recheck, as
 * users run it (docs/decisions.md); `--recheck` adds a row measuring the opt-in re-read of the disk.
 *
 *   npm run bench -- --scenarios get-process [--sizes 256,1024] [--runs N (5 up to 256 MiB, else 3)] [--recheck]
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PROJECT_ROOT, QUIET_FLAGS } from '../test/kit/cli.ts'
import { Swarm, tempDir, type Payload, type Seeder } from '../test/kit/swarm.ts'
import { flagValue, MIB, positiveFlag, runMeasured, type ChildRun } from './child.ts'
import { median } from './run.ts'

export const benchFlags = ['--sizes', '--recheck']

type Client = 'webtorrent' | 'vouch' | 'vouch --recheck'

export interface GetProcessOptions {
  sizeMib?: number
  repeats?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

export interface GetProcessRow {
  bytes: number
  runs: Partial<Record<Client, ChildRun[]>>
}

const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
const PLAIN = path.join(PROJECT_ROOT, 'bench', 'plain-leecher.ts')

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function runClient(
  client: Client,
  payload: Payload,
  seeder: Seeder,
  expected: string,
): Promise<ChildRun> {
  const out = await tempDir('vouch-bench-out-')
  const home = await tempDir('vouch-bench-home-')
  try {
    const timeoutMs = Math.max(120_000, (payload.bytes.length / MIB) * 2000)
    const args =
      client === 'webtorrent'
        ? [PLAIN, payload.torrentPath, out, seeder.address]
        : [
            BIN,
            '--home',
            home,
            'get',
            payload.torrentPath,
            '--out',
            out,
            '--peer',
            seeder.address,
            '--allow-unsigned',
            ...QUIET_FLAGS,
            ...(client === 'vouch --recheck' ? ['--recheck'] : []),
          ]
    const run = await runMeasured(args, { timeoutMs })
    if (run.code !== 0) throw new Error(`${client} exited ${run.code}: ${run.stderr.slice(-2000)}`)
    if ((await sha256File(path.join(out, payload.name))) !== expected)
      throw new Error(`${client}: downloaded bytes differ (sha256)`)
    return run
  } finally {
    await rm(out, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  }
}

export async function runGetProcessBench(options: GetProcessOptions = {}): Promise<GetProcessRow[]> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const sizes = options.sizeMib
    ? [options.sizeMib]
    : (flagValue(argv, '--sizes') ?? '256,1024').split(',').map((text) => positiveFlag(['-', text], '-', 1))
  // One run of either client varies by ±10% on this machine; at 256 MiB a run is a few seconds, so
  // the smaller sizes get more pairs for a steadier median.
  const repeatsFor = (sizeMib: number) => options.repeats ?? (sizeMib <= 256 ? 5 : 3)
  const clients: Client[] = [
    'webtorrent',
    'vouch',
    ...(argv.includes('--recheck') ? ['vouch --recheck' as const] : []),
  ]
  const rows: GetProcessRow[] = []
  for (const sizeMib of sizes) {
    const swarm = new Swarm()
    try {
      const bytes = Math.round(sizeMib * MIB)
      log(`get-process: ${sizeMib} MiB payload, one seeder`)
      const payload = await swarm.payload({ bytes, pieceLength: 256 * 1024, name: 'get.bin' })
      const expected = createHash('sha256').update(payload.bytes).digest('hex')
      const seeder = await swarm.seeder(payload, { noDelay: true })
      const row: GetProcessRow = { bytes, runs: {} }
      const repeats = repeatsFor(sizeMib)
      for (let run = 0; run < repeats; run++) {
        const order = run % 2 === 0 ? clients : [...clients].reverse()
        for (const client of order) {
          const result = await runClient(client, payload, seeder, expected)
          ;(row.runs[client] ??= []).push(result)
          log(
            `get-process: ${sizeMib} MiB run ${run + 1}/${repeats} ${client.padEnd(15)} wall ${result.wallMs.toFixed(0)} ms, CPU ${result.cpuMs.toFixed(0)} ms, RSS ${(result.maxRssKiB / 1024).toFixed(0)} MiB`,
          )
        }
      }
      rows.push(row)
    } finally {
      await swarm.close()
    }
  }
  return rows
}

export function formatGetProcessTable(rows: GetProcessRow[]): string {
  const lines = [
    'Whole process from spawn to exit, one seeder on its own loopback address (medians; WebTorrent = bench/plain-leecher.ts):',
    '',
    '| size | client | wall | CPU | peak RSS | wall ratio | CPU ratio | wall ratio per pair | goal ≤ 1.00 (wall) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ]
  for (const row of rows) {
    const of = (client: Client, key: 'wallMs' | 'cpuMs' | 'maxRssKiB') =>
      median((row.runs[client] ?? []).map((run) => run[key]))
    const baseWall = of('webtorrent', 'wallMs')
    const baseCpu = of('webtorrent', 'cpuMs')
    for (const client of Object.keys(row.runs) as Client[]) {
      const wall = of(client, 'wallMs')
      const cpu = of(client, 'cpuMs')
      const isBase = client === 'webtorrent'
      // Run i of a client beside run i of the baseline (they ran one after the other).
      const pairs = isBase
        ? '—'
        : (row.runs[client] ?? [])
            .map((run, index) => run.wallMs / (row.runs.webtorrent?.[index]?.wallMs ?? Number.NaN))
            .map((ratio) => ratio.toFixed(2))
            .join(', ')
      lines.push(
        `| ${(row.bytes / MIB).toFixed(0)} MiB | ${client} | ${wall.toFixed(0)} ms | ${cpu.toFixed(0)} ms | ${(of(client, 'maxRssKiB') / 1024).toFixed(0)} MiB | ${(wall / baseWall).toFixed(2)} | ${(cpu / baseCpu).toFixed(2)} | ${pairs} | ${isBase ? 'baseline' : wall / baseWall <= 1 ? 'met' : 'MISSED'} |`,
      )
    }
  }
  return lines.join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const repeats = argv.includes('--runs') ? positiveFlag(argv, '--runs', 3) : undefined
  console.log(
    formatGetProcessTable(await runGetProcessBench({ argv, ...(repeats !== undefined ? { repeats } : {}) })),
  )
}
