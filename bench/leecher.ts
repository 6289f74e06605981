/**
 * One leecher in a process of its own, so a bench can time its wall clock and CPU apart from the
 * seeders'. `npx node bench/leecher.ts '{"client":"vouch","torrentPath":…,"out":…,"home":…,"peers":[…]}'`
 * downloads the torrent from the given peers (discovery off) with plain WebTorrent or with the
 * engine exactly as `vouch get` opens it, and prints one JSON line: the wall and CPU milliseconds
 * from the add to `done`. Both install Vouch's cheap handshake key pairs first, as bench/run.ts
 * does, so the comparison is of the download paths and not of MSE key generation.
 */
import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import WebTorrent, { type Torrent } from 'webtorrent'
import { openGetEngine } from '../src/cli/commands/get.ts'
import { installMseKeyPairs } from '../src/engine/mse-keys.ts'
import { QUIET_CLIENT, stopClient, whenDone } from '../test/kit/swarm.ts'

export interface LeecherJob {
  client: 'webtorrent' | 'vouch'
  torrentPath: string
  out: string
  home: string
  peers: string[]
  timeoutMs: number
}

export interface LeecherResult {
  wallMs: number
  cpuMs: number
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

async function withWebTorrent(job: LeecherJob): Promise<LeecherResult> {
  const client = new WebTorrent({ ...QUIET_CLIENT })
  const torrentFile = await readFile(job.torrentPath)
  try {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const torrent: Torrent = client.add(torrentFile, { path: job.out })
    torrent.once('infoHash', () => job.peers.forEach((peer) => torrent.addPeer(peer)))
    await whenDone(torrent, job.timeoutMs)
    return { wallMs: performance.now() - started, cpuMs: cpuMs(cpu) }
  } finally {
    await stopClient(client)
  }
}

async function withVouch(job: LeecherJob): Promise<LeecherResult> {
  const { engine, close } = await openGetEngine(
    { home: job.home, json: false },
    { dht: false, lsd: false, nat: false, tracker: false },
  )
  try {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const torrent = await engine.add(job.torrentPath, {
      downloadDir: job.out,
      peers: job.peers,
      allowUnsigned: true,
      remember: false,
    })
    await whenDone(torrent, job.timeoutMs)
    return { wallMs: performance.now() - started, cpuMs: cpuMs(cpu) }
  } finally {
    await close()
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as LeecherJob
installMseKeyPairs()
const result = job.client === 'vouch' ? await withVouch(job) : await withWebTorrent(job)
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
