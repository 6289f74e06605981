/**
 * torrents2000: `vouch serve` resuming many torrents (2 000 by default, 16 KiB each, data on disk)
 * next to plain WebTorrent adding the same .torrent files (bench/plain-adder.ts), both spawned as a
 * user runs them with discovery off: the time from spawn until serving (Vouch: the line with the
 * URL; WebTorrent: every torrent has its metadata), the CPU of the settle window after that (both
 * still check the data of the torrents just added), then the CPU each uses over an idle window,
 * then (Vouch) the time of `torrents.list` over the running serve's WebSocket API, as the UI calls it.
 * Goals: serving ≤ 1.5× WebTorrent's time, idle CPU ≤ 2× WebTorrent's, the list ≤ 20 ms.
 *
 *   npm run bench -- --scenarios torrents2000 [--torrents N] [--settle-seconds S] [--idle-seconds S] [--runs N]
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { connectApi } from '../src/api/websocket-client.ts'
import { createTorrentFile } from '../src/cli/commands/create.ts'
import { Engine } from '../src/engine/engine.ts'
import { readAdvertisement } from '../src/server/advertisement.ts'
import { PROJECT_ROOT, QUIET_FLAGS } from '../test/kit/cli.ts'
import { LineProcess } from '../test/kit/process.ts'
import { QUIET_CLIENT, tempDir } from '../test/kit/swarm.ts'
import { positiveFlag } from './child.ts'
import { median } from './run.ts'

export const benchFlags = ['--torrents', '--idle-seconds', '--settle-seconds']

const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
const ADDER = path.join(PROJECT_ROOT, 'bench', 'plain-adder.ts')

export interface Torrents2000Options {
  repeats?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

interface ClientRun {
  readyMs: number
  /** CPU used in the settle window right after ready: the tail of the start-up (WebTorrent's data checks). */
  settleCpuMs: number
  idleCpuPercent: number
  /** Vouch only: the median time of `torrents.list` over the WebSocket API, after the idle window. */
  listMs?: number
  /** Vouch only: the first of those calls, the one the web UI makes when it connects. */
  firstListMs?: number
}

/** `torrents.list` calls timed against the running serve (the median is reported). */
const LIST_CALLS = 5

/** Time `torrents.list` over the API of the serve whose HOME is `home`, as the web UI calls it. */
async function timeTorrentList(
  home: string,
  expected: number,
): Promise<Pick<ClientRun, 'listMs' | 'firstListMs'>> {
  const advertisement = await readAdvertisement(home)
  const api = await connectApi(advertisement.api, advertisement.token)
  try {
    const times: number[] = []
    for (let call = 0; call < LIST_CALLS; call++) {
      const started = performance.now()
      const list = await api.call('torrents.list', {}, 60_000)
      times.push(performance.now() - started)
      if (list.length !== expected)
        throw new Error(`torrents.list answered ${list.length} torrents, not ${expected}`)
    }
    return { listMs: median(times), firstListMs: times[0] ?? Number.NaN }
  } finally {
    api.close()
  }
}

export interface Torrents2000Result {
  torrents: number
  settleSeconds: number
  idleSeconds: number
  runs: Record<'vouch' | 'webtorrent', ClientRun[]>
}

/** CPU seconds (user + system) the process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function measure(
  command: string,
  args: string[],
  ready: (line: string) => boolean,
  window: { settleSeconds: number; idleSeconds: number },
  afterIdle?: () => Promise<Pick<ClientRun, 'listMs' | 'firstListMs'>>,
): Promise<ClientRun> {
  const started = performance.now()
  const child = new LineProcess(command, args, { cwd: PROJECT_ROOT })
  const wait = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  try {
    await child.line(ready, 600_000, 'ready')
    const readyMs = performance.now() - started
    const pid = child.child.pid ?? 0
    // Both clients still check the data of the torrents just added when they say they are ready;
    // that tail is not idle. Its CPU is reported apart (settleCpuMs).
    const atReady = cpuSeconds(pid)
    await wait(window.settleSeconds)
    const before = cpuSeconds(pid)
    await wait(window.idleSeconds)
    const idleCpuPercent = ((cpuSeconds(pid) - before) / window.idleSeconds) * 100
    return {
      readyMs,
      settleCpuMs: (before - atReady) * 1000,
      idleCpuPercent,
      ...(afterIdle ? await afterIdle() : {}),
    }
  } finally {
    await child.stop('SIGKILL')
  }
}

/** A HOME remembering `count` torrents of 16 KiB, their data in `data`, and `list` naming their .torrent files. */
export interface PreparedTorrents {
  home: string
  data: string
  list: string
}

/** Make the HOME `vouch serve` resumes (through a real engine) and the list plain WebTorrent adds. */
export async function prepareTorrents(count: number): Promise<PreparedTorrents> {
  const data = await tempDir('vouch-bench-data-')
  const home = await tempDir('vouch-bench-home-')
  const torrentPaths: string[] = []
  const engine = await Engine.open({ ...QUIET_CLIENT, home, resume: false })
  try {
    for (let index = 0; index < count; index++) {
      const file = path.join(data, `t${index}.bin`)
      await writeFile(file, `${index}`.padEnd(16 * 1024, '.'))
      const torrentPath = path.join(data, `t${index}.torrent`)
      await writeFile(torrentPath, await createTorrentFile(file, { pieceLength: 16 * 1024 }))
      torrentPaths.push(torrentPath)
      await engine.add(torrentPath, { downloadDir: data, allowUnsigned: true })
    }
  } finally {
    await engine.close()
  }
  const list = path.join(data, 'list.json')
  await writeFile(list, JSON.stringify(torrentPaths))
  return { home, data, list }
}

export async function runTorrents2000Bench(options: Torrents2000Options = {}): Promise<Torrents2000Result> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const count = Math.round(positiveFlag(argv, '--torrents', 2000))
  const idleSeconds = positiveFlag(argv, '--idle-seconds', 10)
  const settleSeconds = positiveFlag(argv, '--settle-seconds', 3)
  const window = { settleSeconds, idleSeconds }
  const repeats = options.repeats ?? 3
  const { home, data, list } = await prepareTorrents(count)
  log(`torrents2000: ${count} torrents remembered in ${home}`)
  const runs: Torrents2000Result['runs'] = { vouch: [], webtorrent: [] }
  for (let run = 0; run < repeats; run++) {
    const vouch = await measure(
      process.execPath,
      [BIN, '--json', '--home', home, 'serve', '--port', '0', ...QUIET_FLAGS],
      (line) => line.includes('"url"'),
      window,
      () => timeTorrentList(home, count),
    )
    const webtorrent = await measure(
      process.execPath,
      [ADDER, list, data],
      (line) => line.includes('"added"'),
      window,
    )
    runs.vouch.push(vouch)
    runs.webtorrent.push(webtorrent)
    log(
      `torrents2000: run ${run + 1}/${repeats}: vouch serving after ${vouch.readyMs.toFixed(0)} ms, settling ${vouch.settleCpuMs.toFixed(0)} ms CPU, idle ${vouch.idleCpuPercent.toFixed(1)}% CPU, torrents.list ${vouch.listMs?.toFixed(1)} ms (first ${vouch.firstListMs?.toFixed(1)} ms); webtorrent ${webtorrent.readyMs.toFixed(0)} ms, settling ${webtorrent.settleCpuMs.toFixed(0)} ms CPU, idle ${webtorrent.idleCpuPercent.toFixed(1)}%`,
    )
  }
  return { torrents: count, settleSeconds, idleSeconds, runs }
}

export function formatTorrents2000Table(result: Torrents2000Result): string {
  const of = (client: 'vouch' | 'webtorrent', key: keyof ClientRun) =>
    median(result.runs[client].map((r) => r[key] ?? Number.NaN))
  const list = of('vouch', 'listMs')
  const ready = of('vouch', 'readyMs') / of('webtorrent', 'readyMs')
  const idle = of('vouch', 'idleCpuPercent') / Math.max(of('webtorrent', 'idleCpuPercent'), 0.1)
  const settle = of('vouch', 'settleCpuMs') / Math.max(of('webtorrent', 'settleCpuMs'), 10)
  return [
    `${result.torrents} torrents of 16 KiB with their data on disk, discovery off, processes spawned as a user runs them (median of ${result.runs.vouch.length}):`,
    '',
    '| measure | Vouch (serve, resuming) | WebTorrent (adding) | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| spawn → serving / all added | ${of('vouch', 'readyMs').toFixed(0)} ms | ${of('webtorrent', 'readyMs').toFixed(0)} ms | ${ready.toFixed(2)} | ≤ 1.5 ${ready <= 1.5 ? 'met' : 'MISSED'} |`,
    `| CPU in the ${result.settleSeconds} s after that (start-up tail: data checks) | ${of('vouch', 'settleCpuMs').toFixed(0)} ms | ${of('webtorrent', 'settleCpuMs').toFixed(0)} ms | ${settle.toFixed(2)} | — |`,
    `| idle CPU over the ${result.idleSeconds} s after that | ${of('vouch', 'idleCpuPercent').toFixed(1)}% | ${of('webtorrent', 'idleCpuPercent').toFixed(1)}% | ${idle.toFixed(2)} | ≤ 2 ${idle <= 2 ? 'met' : 'MISSED'} |`,
    `| torrents.list over the WebSocket API (median of ${LIST_CALLS} calls) | ${list.toFixed(1)} ms | — | — | ≤ 20 ms ${list <= 20 ? 'met' : 'MISSED'} |`,
    `| its first call (the web UI's, on connecting) | ${of('vouch', 'firstListMs').toFixed(1)} ms | — | — | — |`,
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  console.log(
    formatTorrents2000Table(await runTorrents2000Bench({ argv, repeats: positiveFlag(argv, '--runs', 3) })),
  )
}
