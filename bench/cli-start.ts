/**
 * cli-start: how long `vouch` takes to answer commands that neither download nor seed, spawned as a
 * user runs them, next to `node -e 0` (the floor: starting Node itself). Goal: each ≤ 200 ms median.
 *
 *   npm run bench -- --scenarios cli-start [--runs N]
 *   npx node bench/cli-start.ts [--runs N]
 *
 * The commands run against a home with one pinned publisher and an empty reputation store; `verify`
 * checks a .torrent that publisher signed (exit 0). One unmeasured run of each first fills Node's
 * compile cache, as any earlier use of vouch would have.
 */
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { PROJECT_ROOT } from '../test/kit/cli.ts'
import { tempDir } from '../test/kit/swarm.ts'
import { median } from './run.ts'

const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
const GOAL_MS = 200

export interface CliStartBenchOptions {
  repeats?: number
  log?: (line: string) => void
}

export interface CliStartRow {
  command: string
  times: number[]
  median: number
}

export interface CliStartResult {
  baseline: CliStartRow
  rows: CliStartRow[]
}

function timedRun(args: string[], expectExit: number): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: 'utf8' })
  const ms = performance.now() - started
  if (result.status !== expectExit)
    throw new Error(`${args.join(' ')} exited ${result.status}, not ${expectExit}: ${result.stderr}`)
  return ms
}

function vouch(home: string, ...args: string[]): string[] {
  return [BIN, '--home', home, ...args]
}

export async function runCliStartBench(options: CliStartBenchOptions = {}): Promise<CliStartResult> {
  const repeats = options.repeats ?? 11
  const log = options.log ?? console.error
  const home = await tempDir('vouch-bench-cli-')
  const payload = path.join(home, 'payload.txt')
  await writeFile(payload, 'cli-start bench payload\n'.repeat(1000))
  const key = path.join(home, 'publisher.key')
  const torrent = path.join(home, 'payload.torrent')
  timedRun(vouch(home, 'keygen', '--out', key), 0)
  timedRun(vouch(home, 'create', payload, '--out', torrent, '--sign', key), 0)
  timedRun(vouch(home, 'trust', 'add', `${key}.pub`, '--name', 'bench'), 0)
  const commands: { label: string; args: string[] }[] = [
    { label: 'vouch --help', args: vouch(home, '--help') },
    { label: 'vouch verify FILE', args: vouch(home, 'verify', torrent) },
    { label: 'vouch trust list', args: vouch(home, 'trust', 'list') },
    { label: 'vouch bans list', args: vouch(home, 'bans', 'list') },
  ]
  const baselineArgs = ['-e', '0']
  for (const { args } of commands) timedRun(args, 0)
  const baseline: number[] = []
  const times = commands.map(() => [] as number[])
  for (let run = 0; run < repeats; run++) {
    baseline.push(timedRun(baselineArgs, 0))
    commands.forEach(({ args }, index) => times[index]?.push(timedRun(args, 0)))
    log(`cli-start: run ${run + 1}/${repeats} done`)
  }
  return {
    baseline: { command: 'node -e 0', times: baseline, median: median(baseline) },
    rows: commands.map(({ label }, index) => {
      const values = times[index] ?? []
      return { command: label, times: values, median: median(values) }
    }),
  }
}

export function formatCliStartTable(result: CliStartResult): string {
  const floor = result.baseline.median
  return [
    `Command start-up, spawned as a user runs it (median of ${result.baseline.times.length} runs; baseline node -e 0 = ${floor.toFixed(0)} ms):`,
    '',
    `| command | median | node -e 0 | ratio | goal ≤ ${GOAL_MS} ms |`,
    '| --- | ---: | ---: | ---: | --- |',
    ...result.rows.map(
      (row) =>
        `| ${row.command} | ${row.median.toFixed(0)} ms | ${floor.toFixed(0)} ms | ${(row.median / floor).toFixed(2)} | ${row.median <= GOAL_MS ? 'met' : 'MISSED'} |`,
    ),
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const index = process.argv.indexOf('--runs')
  const repeats = index === -1 ? undefined : Number(process.argv[index + 1])
  console.log(formatCliStartTable(await runCliStartBench({ ...(repeats ? { repeats } : {}) })))
}
