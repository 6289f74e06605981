/**
 * Poisoned-swarm bench: Vouch against plain WebTorrent on the same loopback swarm, clean and with a
 * poisoner (one that corrupts every block, or 5% of them) among 1 or 3 honest seeders.
 *
 * For each row: corrupt bytes the leecher accepted (answers to its own requests that were false),
 * time from the add to the ban, poisoned download time over clean download time (medians of
 * `repeats` runs each), and honest seeders banned. `bench/run.ts` calls `runPoisonBench`; it also
 * runs alone: `npx node bench/poison.ts [--bytes N] [--piece-length N] [--repeats N] [--seeder-nagle]`.
 */
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import WebTorrent, { type Torrent } from 'webtorrent'
import type { BanEvent } from '../src/defence/events.ts'
import { Engine } from '../src/engine/engine.ts'
import { installMseKeyPairs } from '../src/engine/mse-keys.ts'
import { behaviours, total, watchCorruption } from '../test/kit/adversaries.ts'
import {
  QUIET_CLIENT,
  stopClient,
  Swarm,
  tempDir,
  whenDone,
  type Payload,
  type Seeder,
} from '../test/kit/swarm.ts'
import { median, type BenchClient } from './run.ts'

export interface PoisonBenchOptions {
  /** Payload size in bytes. Default 64 MiB. */
  bytes?: number
  /** Default 256 KiB. */
  pieceLength?: number
  /** Runs per measurement; the median is reported. Default 5. */
  repeats?: number
  honestSeeders?: number[]
  poisoners?: PoisonerKind[]
  /** Seeders set TCP_NODELAY like libtorrent does (see test/kit/swarm.ts). Default true. */
  seederNoDelay?: boolean
  log?: (line: string) => void
}

export type PoisonerKind = 'full' | '5%'

export interface PoisonBenchRow {
  client: BenchClient
  honestSeeders: number
  poisoner: PoisonerKind
  pieceLength: number
  /** False bytes accepted from the poisoner (median over runs). */
  corruptBytesAccepted: number
  /** The worst run's false bytes accepted. */
  maxCorruptBytesAccepted: number
  /** Median false bytes accepted, in pieces. */
  corruptPieces: number
  /** ms from the add to the poisoner's ban (median); null when it was not banned in every run. */
  timeToBanMs: number | null
  cleanMs: number
  poisonedMs: number
  /** poisonedMs / cleanMs */
  slowdown: number
  /** Honest seeders banned, summed over all runs (clean ones included). */
  honestBanned: number
  /** Runs in which the poisoner was banned / runs. */
  poisonerBanned: string
  /** Every download verified byte for byte. */
  verified: boolean
}

interface RunResult {
  ms: number
  corruptBytes: number
  banMs: number | null
  honestBanned: number
  verified: boolean
}

export async function runPoisonBench(options: PoisonBenchOptions = {}): Promise<PoisonBenchRow[]> {
  const bytes = options.bytes ?? 64 * 1024 * 1024
  const pieceLength = options.pieceLength ?? 256 * 1024
  const repeats = options.repeats ?? 5
  const log = options.log ?? (() => {})
  const rows: PoisonBenchRow[] = []
  // The seeders run in this process, so each connection's encrypted-handshake key pair on their
  // side would be timed as the leecher's. Vouch's engine installs the cheap key pairs anyway; doing
  // it before anything starts gives every run, plain WebTorrent's included, the same handshake cost.
  installMseKeyPairs()
  const swarm = new Swarm()
  try {
    const payload = await swarm.payload({ bytes, pieceLength })
    const honestCounts = options.honestSeeders ?? [1, 3]
    const noDelay = options.seederNoDelay ?? true
    const honest: Seeder[] = []
    for (let i = 0; i < Math.max(...honestCounts); i++) honest.push(await swarm.seeder(payload, { noDelay }))
    const poisoners: Record<PoisonerKind, Seeder> = {
      full: await swarm.seeder(payload, { behaviour: behaviours.corruptsEveryBlock(), noDelay }),
      '5%': await swarm.seeder(payload, { behaviour: behaviours.corruptsFraction(0.05), noDelay }),
    }
    for (const count of honestCounts) {
      const seeders = honest.slice(0, count)
      // Every kind of run (client × clean or poisoned) takes its turn in each round, so drifting
      // load on the machine hits them all alike.
      const kinds = options.poisoners ?? (['full', '5%'] as const)
      const clients = ['vouch', 'webtorrent'] as const
      const results = new Map<string, RunResult[]>()
      const record = (key: string, run: RunResult) => results.set(key, [...(results.get(key) ?? []), run])
      for (let i = 0; i < repeats; i++) {
        for (const client of clients) {
          record(`${client} clean`, await runOnce(payload, seeders, null, client))
          for (const kind of kinds) {
            const poisoner = poisoners[kind]
            record(`${client} ${kind}`, await runOnce(payload, [...seeders, poisoner], poisoner, client))
          }
        }
      }
      for (const client of clients) {
        const clean = results.get(`${client} clean`) ?? []
        const cleanMs = median(clean.map((run) => run.ms))
        log(`${client}, ${count} honest, clean: ${cleanMs.toFixed(0)} ms`)
        for (const kind of kinds) {
          const runs = results.get(`${client} ${kind}`) ?? []
          const poisonedMs = median(runs.map((run) => run.ms))
          const banned = runs.filter((run) => run.banMs !== null)
          const corruptBytesAccepted = median(runs.map((run) => run.corruptBytes))
          const row: PoisonBenchRow = {
            client,
            honestSeeders: count,
            poisoner: kind,
            pieceLength,
            corruptBytesAccepted,
            maxCorruptBytesAccepted: Math.max(...runs.map((run) => run.corruptBytes)),
            corruptPieces: corruptBytesAccepted / pieceLength,
            timeToBanMs: banned.length === runs.length ? median(banned.map((run) => run.banMs ?? 0)) : null,
            cleanMs,
            poisonedMs,
            slowdown: poisonedMs / cleanMs,
            honestBanned: [...clean, ...runs].reduce((sum, run) => sum + run.honestBanned, 0),
            poisonerBanned: `${banned.length}/${runs.length}`,
            verified: [...clean, ...runs].every((run) => run.verified),
          }
          log(
            `${client}, ${count} honest + ${kind} poisoner: ${poisonedMs.toFixed(0)} ms, ` +
              `corrupt ${corruptBytesAccepted} B, banned ${row.poisonerBanned}`,
          )
          rows.push(row)
        }
      }
    }
  } finally {
    await swarm.close()
  }
  return rows
}

/** One download by a fresh leecher; the clock runs from the add to the last verified piece. */
async function runOnce(
  payload: Payload,
  seeders: Seeder[],
  poisoner: Seeder | null,
  client: BenchClient,
): Promise<RunResult> {
  const home = await tempDir('vouch-bench-')
  const out = path.join(home, 'out')
  const honestHosts = new Set(seeders.filter((seeder) => seeder !== poisoner).map((seeder) => seeder.host))
  const bans: { event: BanEvent; at: number }[] = []
  let torrent: Torrent
  let close: () => Promise<void>
  let start: number
  if (client === 'vouch') {
    const engine = await Engine.open({ ...QUIET_CLIENT, home, resume: false, downloadDir: out })
    engine.events.on('ban', (event) => bans.push({ event, at: performance.now() }))
    start = performance.now()
    torrent = await engine.add(payload.torrentPath, {
      peers: seeders.map((seeder) => seeder.address),
      remember: false,
    })
    close = () => engine.close()
  } else {
    const leecher = new WebTorrent({ ...QUIET_CLIENT })
    start = performance.now()
    torrent = leecher.add(payload.torrentFile, { path: out })
    const added = torrent
    added.once('infoHash', () => {
      for (const seeder of seeders) added.addPeer(seeder.address)
    })
    close = () => stopClient(leecher)
  }
  try {
    const report = watchCorruption(torrent, payload)
    await whenDone(torrent, 300_000)
    const ms = performance.now() - start
    const verified = (await readFile(path.join(out, payload.name))).equals(payload.bytes)
    const poisonerBan = poisoner && bans.find((ban) => ban.event.address === poisoner.host)
    return {
      ms,
      corruptBytes: poisoner
        ? (report.acceptedCorruptBytes.get(poisoner.host) ?? 0)
        : total(report.acceptedCorruptBytes),
      banMs: poisonerBan ? poisonerBan.at - start : null,
      honestBanned: bans.filter((ban) => honestHosts.has(ban.event.address)).length,
      verified,
    }
  } finally {
    await close()
    await rm(home, { recursive: true, force: true })
  }
}

/** The rows as a Markdown table. */
export function formatPoisonTable(rows: PoisonBenchRow[]): string {
  const header =
    '| client | honest | poisoner | corrupt accepted (median) | worst run | pieces | time to ban | clean | poisoned | poisoned/clean | honest banned | poisoner banned | verified |'
  const rule = `|${' --- |'.repeat(13)}`
  const lines = rows.map((row) =>
    [
      row.client,
      row.honestSeeders,
      row.poisoner,
      `${(row.corruptBytesAccepted / 1024).toFixed(0)} KiB`,
      `${(row.maxCorruptBytesAccepted / 1024).toFixed(0)} KiB`,
      row.corruptPieces.toFixed(2),
      row.timeToBanMs === null ? 'not banned' : `${row.timeToBanMs.toFixed(0)} ms`,
      `${row.cleanMs.toFixed(0)} ms`,
      `${row.poisonedMs.toFixed(0)} ms`,
      `${row.slowdown.toFixed(2)}×`,
      row.honestBanned,
      row.poisonerBanned,
      row.verified ? 'yes' : 'NO',
    ].join(' | '),
  )
  return [header, rule, ...lines.map((line) => `| ${line} |`)].join('\n')
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(name)
  const value = index === -1 ? undefined : process.argv[index + 1]
  return value === undefined ? undefined : Number(value)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bytes = flag('--bytes')
  const pieceLength = flag('--piece-length')
  const repeats = flag('--repeats')
  const rows = await runPoisonBench({
    seederNoDelay: !process.argv.includes('--seeder-nagle'),
    ...(bytes ? { bytes } : {}),
    ...(pieceLength ? { pieceLength } : {}),
    ...(repeats ? { repeats } : {}),
    log: (line) => console.error(line),
  })
  console.log(formatPoisonTable(rows))
}
