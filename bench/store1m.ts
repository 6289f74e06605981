/**
 * store1m: a reputation store of 1M peer records and 100k bans (sizes are flags). Measures the
 * store's open time (what every `vouch get` pays), `vouch peers` spawned as a user runs it (time to
 * its first line, total, peak RSS) next to a plain node:sqlite script reading every row
 * (bench/sqlite-baseline.ts), and `vouch bans export` in every format, in bans per second.
 * Goals: open ≤ 100 ms, first line ≤ 200 ms, RSS ≤ 150 MiB, export ≥ 100k bans/s.
 *
 *   npm run bench -- --scenarios store1m [--peers N] [--bans N] [--runs N]
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { banPlacement } from '../src/reputation/ban-index.ts'
import { REPORT_FORMATS, type ReportFormat } from '../src/reputation/report.ts'
import { ReputationStore } from '../src/reputation/store.ts'
import { PROJECT_ROOT } from '../test/kit/cli.ts'
import { tempDir } from '../test/kit/swarm.ts'
import { positiveFlag, runMeasured, type ChildRun } from './child.ts'
import { median } from './run.ts'

export const benchFlags = ['--peers', '--bans']

const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
const BASELINE = path.join(PROJECT_ROOT, 'bench', 'sqlite-baseline.ts')

export interface Store1mOptions {
  repeats?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

export interface Store1mResult {
  peers: number
  bans: number
  openMs: number[]
  peersRuns: ChildRun[]
  baselineRuns: ChildRun[]
  /** `bans export` runs per format. */
  exportRuns: Record<ReportFormat, ChildRun[]>
}

/** Fill HOME/vouch.db straight through SQLite: peers with distinct addresses, single-address bans. */
async function buildStore(peers: number, bans: number): Promise<string> {
  const home = await tempDir('vouch-bench-store-')
  const store = ReputationStore.openInHome(home)
  const db = store.database
  const address = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
  db.exec('BEGIN')
  const peer = db.prepare(
    `INSERT INTO peers (address, peer_ids, clients, first_seen, last_seen, bytes_down, pieces_good, score, score_at)
     VALUES (?, '["2d5757"]', '["WebTorrent 3"]', ?, ?, ?, 3, 1.5, ?)`,
  )
  for (let index = 0; index < peers; index++)
    peer.run(address(index), index, 1e12 + index, index * 16384, 1e12)
  const ban = db.prepare(
    `INSERT INTO bans (address, reason, source, note, created_at, expires_at, range_first, range_last, span_class)
     VALUES (?, 'poisoned-block', 'automatic', '', ?, NULL, ?, ?, ?)`,
  )
  for (let index = 0; index < bans; index++) {
    const banned = address(index + 1)
    // The columns the store looks bans up by (migration 006), as its own writes fill them.
    const placement = banPlacement({ address: banned, rangeEnd: null })
    if (!placement) throw new Error(`not an address: ${banned}`)
    ban.run(banned, 1e12 + index, placement.rangeFirst, placement.rangeLast, placement.spanClass)
  }
  db.exec('COMMIT')
  store.close()
  return home
}

export async function runStore1mBench(options: Store1mOptions = {}): Promise<Store1mResult> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const peers = Math.round(positiveFlag(argv, '--peers', 1_000_000))
  const bans = Math.round(positiveFlag(argv, '--bans', 100_000))
  const repeats = options.repeats ?? 3
  log(`store1m: writing ${peers} peers and ${bans} bans`)
  const home = await buildStore(peers, bans)
  const result: Store1mResult = {
    peers,
    bans,
    openMs: [],
    peersRuns: [],
    baselineRuns: [],
    exportRuns: { json: [], csv: [], p2p: [], dat: [] },
  }
  const limits = { timeoutMs: 600_000, discardStdout: true }
  for (let run = 0; run < repeats; run++) {
    const started = performance.now()
    ReputationStore.openInHome(home).close()
    result.openMs.push(performance.now() - started)
    const listing = await runMeasured([BIN, '--home', home, 'peers'], limits)
    const baseline = await runMeasured([BASELINE, path.join(home, 'vouch.db')], limits)
    const exports: string[] = []
    for (const format of REPORT_FORMATS) {
      const exported = await runMeasured([BIN, '--home', home, 'bans', 'export', '--format', format], limits)
      if (exported.code !== 0)
        throw new Error(
          `bans export --format ${format} exited ${exported.code}: ${exported.stderr.slice(-2000)}`,
        )
      result.exportRuns[format].push(exported)
      exports.push(`${format} ${exported.wallMs.toFixed(0)} ms`)
    }
    for (const [what, child] of [
      ['vouch peers', listing],
      ['baseline', baseline],
    ] as const)
      if (child.code !== 0) throw new Error(`${what} exited ${child.code}: ${child.stderr.slice(-2000)}`)
    result.peersRuns.push(listing)
    result.baselineRuns.push(baseline)
    log(
      `store1m: run ${run + 1}/${repeats}: open ${result.openMs.at(-1)?.toFixed(0)} ms, peers first line ${listing.firstOutputMs.toFixed(0)} ms / ${listing.wallMs.toFixed(0)} ms, baseline ${baseline.wallMs.toFixed(0)} ms, export ${exports.join(', ')}`,
    )
  }
  return result
}

export function formatStore1mTable(result: Store1mResult): string {
  const of = (runs: ChildRun[], key: 'wallMs' | 'firstOutputMs' | 'maxRssKiB' | 'cpuMs') =>
    median(runs.map((run) => run[key]))
  const goal = (ok: boolean) => (ok ? 'met' : 'MISSED')
  const open = median(result.openMs)
  const first = of(result.peersRuns, 'firstOutputMs')
  const rss = of(result.peersRuns, 'maxRssKiB') / 1024
  const baseRss = of(result.baselineRuns, 'maxRssKiB') / 1024
  const wall = of(result.peersRuns, 'wallMs')
  const baseWall = of(result.baselineRuns, 'wallMs')
  return [
    `Reputation store of ${result.peers} peers and ${result.bans} bans (median of ${result.openMs.length}; processes spawned as a user runs them):`,
    '',
    '| measure | Vouch | baseline (node:sqlite script) | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| store open | ${open.toFixed(0)} ms | — | — | ≤ 100 ms ${goal(open <= 100)} |`,
    `| vouch peers, first line | ${first.toFixed(0)} ms | ${of(result.baselineRuns, 'firstOutputMs').toFixed(0)} ms | ${(first / of(result.baselineRuns, 'firstOutputMs')).toFixed(2)} | ≤ 200 ms ${goal(first <= 200)} |`,
    `| vouch peers, every row | ${wall.toFixed(0)} ms | ${baseWall.toFixed(0)} ms | ${(wall / baseWall).toFixed(2)} | — |`,
    `| vouch peers, peak RSS | ${rss.toFixed(0)} MiB | ${baseRss.toFixed(0)} MiB | ${(rss / baseRss).toFixed(2)} | ≤ 150 MiB ${goal(rss <= 150)} |`,
    ...REPORT_FORMATS.map((format) => {
      const rate = result.bans / (of(result.exportRuns[format], 'wallMs') / 1000)
      return `| bans export --format ${format} (whole process) | ${Math.round(rate)} bans/s | — | — | ≥ 100000 ${goal(rate >= 100_000)} |`
    }),
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  console.log(formatStore1mTable(await runStore1mBench({ argv, repeats: positiveFlag(argv, '--runs', 3) })))
}
