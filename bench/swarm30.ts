/**
 * swarm30: one leecher, many seeders (30 by default), each plain WebTorrent on its own 127.0.0.x
 * address, one payload (128 MiB by default). The leecher runs in a child process (bench/leecher.ts)
 * so its wall clock and CPU from the add to `done` are its own, not the seeders'; plain WebTorrent
 * and Vouch (the engine as `vouch get` opens it) alternate. Goal: Vouch ≤ 1.05× in wall and CPU.
 *
 *   npm run bench -- --scenarios swarm30 [--size MIB] [--seeders N] [--runs N]
 */
import { createHash } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Swarm, tempDir } from '../test/kit/swarm.ts'
import { MIB, positiveFlag, runMeasured } from './child.ts'
import type { LeecherJob, LeecherResult } from './leecher.ts'
import { median, type BenchClient } from './run.ts'

export const benchFlags = ['--seeders']

export interface Swarm30Options {
  sizeMib?: number
  seeders?: number
  repeats?: number
  pieceLength?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

export interface Swarm30Result {
  bytes: number
  seeders: number
  runs: Record<BenchClient, LeecherResult[]>
  wall: Record<BenchClient, number>
  cpu: Record<BenchClient, number>
}

const LEECHER = path.join(path.dirname(new URL(import.meta.url).pathname), 'leecher.ts')

/** Download `torrentPath` from `peers` in a child leecher and check the bytes. */
export async function leechInChild(
  client: BenchClient,
  torrentPath: string,
  peers: string[],
  expectedSha256: string,
  fileName: string,
): Promise<LeecherResult> {
  const out = await tempDir('vouch-bench-out-')
  const home = await tempDir('vouch-bench-home-')
  try {
    const job: LeecherJob = { client, torrentPath, out, home, peers, timeoutMs: 600_000 }
    const run = await runMeasured([LEECHER, JSON.stringify(job)], { timeoutMs: 660_000 })
    if (run.code !== 0) throw new Error(`${client} leecher exited ${run.code}: ${run.stderr.slice(-2000)}`)
    const digest = createHash('sha256')
      .update(await readFile(path.join(out, fileName)))
      .digest('hex')
    if (digest !== expectedSha256) throw new Error(`${client}: downloaded bytes differ (sha256)`)
    return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as LeecherResult
  } finally {
    await rm(out, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  }
}

export async function runSwarm30Bench(options: Swarm30Options = {}): Promise<Swarm30Result> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const bytes = Math.round((options.sizeMib ?? positiveFlag(argv, '--size', 128)) * MIB)
  const seederCount = Math.round(options.seeders ?? positiveFlag(argv, '--seeders', 30))
  const repeats = options.repeats ?? 3
  const swarm = new Swarm()
  try {
    log(`swarm30: ${(bytes / MIB).toFixed(0)} MiB payload, ${seederCount} seeders`)
    const payload = await swarm.payload({
      bytes,
      pieceLength: options.pieceLength ?? 256 * 1024,
      name: 'swarm.bin',
    })
    const expected = createHash('sha256').update(payload.bytes).digest('hex')
    const peers: string[] = []
    for (let index = 0; index < seederCount; index++)
      peers.push((await swarm.seeder(payload, { noDelay: true })).address)
    const runs: Record<BenchClient, LeecherResult[]> = { webtorrent: [], vouch: [] }
    for (let run = 0; run < repeats; run++) {
      const order: BenchClient[] = run % 2 === 0 ? ['webtorrent', 'vouch'] : ['vouch', 'webtorrent']
      for (const client of order) {
        const result = await leechInChild(client, payload.torrentPath, peers, expected, payload.name)
        runs[client].push(result)
        log(
          `swarm30: run ${run + 1}/${repeats} ${client.padEnd(10)} wall ${result.wallMs.toFixed(0)} ms, CPU ${result.cpuMs.toFixed(0)} ms, sha256 ok`,
        )
      }
    }
    const of = (client: BenchClient, key: keyof LeecherResult) => median(runs[client].map((r) => r[key]))
    return {
      bytes,
      seeders: seederCount,
      runs,
      wall: { webtorrent: of('webtorrent', 'wallMs'), vouch: of('vouch', 'wallMs') },
      cpu: { webtorrent: of('webtorrent', 'cpuMs'), vouch: of('vouch', 'cpuMs') },
    }
  } finally {
    await swarm.close()
  }
}

export function formatSwarm30Table(result: Swarm30Result): string {
  const row = (label: string, values: Record<BenchClient, number>, goal: number) => {
    const ratio = values.vouch / values.webtorrent
    return `| ${label} | ${values.vouch.toFixed(0)} ms | ${values.webtorrent.toFixed(0)} ms | ${ratio.toFixed(2)} | ≤ ${goal.toFixed(2)} ${ratio <= goal ? 'met' : 'MISSED'} |`
  }
  return [
    `${(result.bytes / MIB).toFixed(0)} MiB from ${result.seeders} WebTorrent seeders on their own loopback addresses, leecher in its own process (median of ${result.runs.vouch.length}):`,
    '',
    '| measure | Vouch | WebTorrent | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    row('wall, add → done', result.wall, 1.05),
    row('leecher CPU, add → done', result.cpu, 1.05),
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const runs = positiveFlag(argv, '--runs', 3)
  console.log(formatSwarm30Table(await runSwarm30Bench({ argv, repeats: runs })))
}
