/**
 * turncoat: a peer honest for its first 8 pieces, then corrupting every block, next to one honest
 * WebTorrent seeder (each on its own loopback address), pieces of 256 KiB. Vouch (the engine as
 * `vouch get` opens it) against plain WebTorrent on the same swarm: corrupt bytes each took in from
 * the turncoat (Vouch: before its ban), honest peers banned, and download time.
 * Goal: ≤ 4 pieces (1 MiB) of corrupt data accepted, 0 honest bans.
 *
 *   npm run bench -- --scenarios turncoat [--size MIB] [--runs N]
 */
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import WebTorrent, { type Torrent } from 'webtorrent'
import { openGetEngine } from '../src/cli/commands/get.ts'
import { adversary, behaviours, total, watchCorruption } from '../test/kit/adversaries.ts'
import { QUIET_CLIENT, Swarm, stopClient, tempDir, whenDone, type Payload } from '../test/kit/swarm.ts'
import { MIB, positiveFlag } from './child.ts'
import { median, type BenchClient } from './run.ts'

const PIECE = 256 * 1024

export interface TurncoatOptions {
  sizeMib?: number
  repeats?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

interface TurncoatRun {
  ms: number
  corruptBytes: number
  honestBans: number
  turncoatBanned: boolean
}

export interface TurncoatResult {
  bytes: number
  runs: Record<BenchClient, TurncoatRun[]>
}

async function leech(
  client: BenchClient,
  payload: Payload,
  peers: { honest: string[]; turncoat: { address: string; host: string } },
): Promise<TurncoatRun> {
  const out = await tempDir('vouch-bench-out-')
  const home = await tempDir('vouch-bench-home-')
  const addresses = [...peers.honest, peers.turncoat.address]
  try {
    if (client === 'webtorrent') {
      const webtorrent = new WebTorrent({ ...QUIET_CLIENT })
      try {
        const started = performance.now()
        const torrent: Torrent = webtorrent.add(payload.torrentFile, { path: out })
        const report = watchCorruption(torrent, payload)
        torrent.once('infoHash', () => addresses.forEach((address) => torrent.addPeer(address)))
        await whenDone(torrent, 600_000)
        const ms = performance.now() - started
        return { ms, corruptBytes: total(report.acceptedCorruptBytes), honestBans: 0, turncoatBanned: false }
      } finally {
        await stopClient(webtorrent)
      }
    }
    const { engine, close } = await openGetEngine(
      { home, json: false },
      { dht: false, lsd: false, nat: false, tracker: false },
    )
    try {
      const banned: string[] = []
      engine.events.on('ban', (event) => banned.push(event.address))
      const started = performance.now()
      const torrent = await engine.add(payload.torrentPath, {
        downloadDir: out,
        peers: addresses,
        allowUnsigned: true,
        remember: false,
      })
      const report = watchCorruption(torrent, payload)
      await whenDone(torrent, 600_000)
      const ms = performance.now() - started
      if (!(await readFile(path.join(out, payload.name))).equals(payload.bytes))
        throw new Error('vouch: downloaded bytes differ')
      return {
        ms,
        corruptBytes: total(report.acceptedCorruptBytes),
        honestBans: banned.filter((address) => address !== peers.turncoat.host).length,
        turncoatBanned: banned.includes(peers.turncoat.host),
      }
    } finally {
      await close()
    }
  } finally {
    await rm(out, { recursive: true, force: true })
    await rm(home, { recursive: true, force: true })
  }
}

export async function runTurncoatBench(options: TurncoatOptions = {}): Promise<TurncoatResult> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const bytes = Math.round((options.sizeMib ?? positiveFlag(argv, '--size', 64)) * MIB)
  const repeats = options.repeats ?? 3
  const runs: TurncoatResult['runs'] = { webtorrent: [], vouch: [] }
  for (let run = 0; run < repeats; run++) {
    for (const client of run % 2 === 0
      ? (['vouch', 'webtorrent'] as const)
      : (['webtorrent', 'vouch'] as const)) {
      // A fresh swarm each run: the turncoat's count of honest pieces starts again.
      const swarm = new Swarm()
      try {
        const payload = await swarm.payload({ bytes, pieceLength: PIECE, name: 'turncoat.bin' })
        const honest = await swarm.seeder(payload, { noDelay: true })
        const turncoat = await adversary(swarm, payload, behaviours.turnsBadAfter(8))
        const result = await leech(client, payload, { honest: [honest.address], turncoat })
        runs[client].push(result)
        log(
          `turncoat: run ${run + 1}/${repeats} ${client.padEnd(10)} ${result.ms.toFixed(0)} ms, corrupt ${result.corruptBytes} B (${(result.corruptBytes / PIECE).toFixed(2)} pieces), honest bans ${result.honestBans}`,
        )
      } finally {
        await swarm.close()
      }
    }
  }
  return { bytes, runs }
}

export function formatTurncoatTable(result: TurncoatResult): string {
  const of = (client: BenchClient, key: 'ms' | 'corruptBytes' | 'honestBans') =>
    median(result.runs[client].map((run) => run[key]))
  const vouchCorrupt = Math.max(...result.runs.vouch.map((run) => run.corruptBytes))
  const honestBans = result.runs.vouch.reduce((sum, run) => sum + run.honestBans, 0)
  return [
    `${(result.bytes / MIB).toFixed(0)} MiB in pieces of 256 KiB from one honest seeder and a peer honest for 8 pieces, then corrupting every block (${result.runs.vouch.length} runs):`,
    '',
    '| measure | Vouch | WebTorrent | goal |',
    '| --- | ---: | ---: | --- |',
    `| corrupt data accepted from the turncoat (worst run) | ${(vouchCorrupt / PIECE).toFixed(2)} pieces | ${(Math.max(...result.runs.webtorrent.map((run) => run.corruptBytes)) / PIECE).toFixed(2)} pieces (never banned) | ≤ 4 ${vouchCorrupt <= 4 * PIECE ? 'met' : 'MISSED'} |`,
    `| turncoat banned | ${result.runs.vouch.filter((run) => run.turncoatBanned).length}/${result.runs.vouch.length} runs | — | every run |`,
    `| honest peers banned (all runs) | ${honestBans} | — | 0 ${honestBans === 0 ? 'met' : 'MISSED'} |`,
    `| download time (median) | ${of('vouch', 'ms').toFixed(0)} ms | ${of('webtorrent', 'ms').toFixed(0)} ms | ratio ${(of('vouch', 'ms') / of('webtorrent', 'ms')).toFixed(2)} |`,
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  console.log(formatTurncoatTable(await runTurncoatBench({ argv, repeats: positiveFlag(argv, '--runs', 3) })))
}
