/**
 * Hostile-wire bench (issue 9, item 1). `bench/run.ts` calls `runHostileWireBench`; it also runs
 * alone: `npx node bench/hostile-wire.ts [--size MIB] [--stream MIB] [--requests N] [--repeats N] [--before]`.
 *
 * A real `vouch serve` (bench/hostile-wire-server.ts: the same backend and server) seeds a payload.
 * Per run, interleaved, a plain WebTorrent client downloads it from that seeder while `app.info` is
 * asked over the server's WebSocket every 50 ms, in three conditions:
 * - clean: nobody else connected;
 * - oversized: a hostile peer (test/kit/hostile-wire.ts) declares a 1 GiB piece and streams
 *   `--stream` MiB into it;
 * - flood: a hostile peer sends `--requests` valid requests.
 * It prints the download medians and their ratio to clean (goal ≤ 1.2), `app.info` latency
 * (median and worst) and the server's peak RSS growth. `--before` repeats everything with the wire
 * guard off (`wireGuard: false`: bittorrent-protocol as it ships), for the before/after figures.
 * A last table times the receive parser alone: stock bittorrent-protocol against the guarded one.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Wire from 'bittorrent-protocol'
import WebTorrent from 'webtorrent'
import { WebSocket } from 'ws'
import { guardWire, MAX_PEER_REQUESTS, FLOOD_INTERVAL_MS } from '../src/engine/wire-guard.ts'
import { frame, HostilePeer, MESSAGE_ID } from '../test/kit/hostile-wire.ts'
import { LineProcess } from '../test/kit/process.ts'
import { QUIET_CLIENT, stopClient, Swarm, whenDone, withTimeout } from '../test/kit/swarm.ts'

const MIB = 1024 * 1024
const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hostile-wire-server.ts')
const CONDITIONS = ['clean', 'oversized', 'flood'] as const
type Condition = (typeof CONDITIONS)[number]

export interface HostileWireBenchOptions {
  log?: (line: string) => void
  repeats?: number
  /** Payload size. Default 64 MiB. */
  sizeMib?: number
  /** Bytes streamed into the 1 GiB message. Default 64 MiB. */
  streamMib?: number
  /** Requests in the flood. Default 100 000. */
  requests?: number
  /** Also measure with the wire guard off. Default false. */
  before?: boolean
}

interface Measured {
  downloadMs: number[]
  apiMs: number[]
  rssGrowthMiB: number[]
}

export interface HostileWireBenchResult {
  sizeMib: number
  streamMib: number
  requests: number
  repeats: number
  /** guard on ("after") and, with --before, off. */
  runs: { guard: boolean; conditions: Record<Condition, Measured> }[]
  parser: { stockMiBps: number; guardedMiBps: number }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? (Number(match[1]) * 1024) / MIB : 0
}

/** `app.info` over the server's WebSocket every 50 ms until stopped; resolves with the latencies. */
function probeApi(port: number, token: string): { stop: () => Promise<number[]> } {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api`, {
    headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}` },
  })
  const latencies: number[] = []
  let stopped = false
  let id = 0
  const pending = new Map<number, number>()
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number }
    const sentAt = message.id === undefined ? undefined : pending.get(message.id)
    if (sentAt === undefined) return
    pending.delete(message.id as number)
    latencies.push(performance.now() - sentAt)
    if (!stopped) setTimeout(ask, 50)
  })
  const ask = () => {
    id++
    pending.set(id, performance.now())
    socket.send(JSON.stringify({ id, command: 'app.info', args: {} }))
  }
  socket.once('open', ask)
  return {
    async stop() {
      stopped = true
      // A request still unanswered counts with the time it has waited so far.
      for (const sentAt of pending.values()) latencies.push(performance.now() - sentAt)
      socket.close()
      return latencies
    },
  }
}

async function download(torrentFile: Uint8Array, peer: string, out: string): Promise<number> {
  const client = new WebTorrent({ ...QUIET_CLIENT })
  try {
    const started = performance.now()
    const torrent = client.add(torrentFile, { path: out })
    torrent.once('infoHash', () => torrent.addPeer(peer))
    await whenDone(torrent, 600_000)
    return performance.now() - started
  } finally {
    await stopClient(client)
  }
}

async function attack(
  condition: Condition,
  port: number,
  infoHash: string,
  options: Required<HostileWireBenchOptions>,
) {
  if (condition === 'clean') return null
  const hostile = await HostilePeer.connect({ port, infoHash, fast: true })
  const running =
    condition === 'oversized'
      ? hostile.streamOversized({
          id: MESSAGE_ID.piece,
          declaredLength: 1024 * MIB,
          streamBytes: options.streamMib * MIB,
        })
      : hostile.interestedUntilUnchoked().then(() =>
          hostile.floodRequests({
            count: options.requests,
            pieces: options.sizeMib * 4,
            pieceLength: 256 * 1024,
          }),
        )
  return { hostile, running: running.catch(() => 0) }
}

async function measureServer(guard: boolean, options: Required<HostileWireBenchOptions>) {
  const swarm = new Swarm()
  try {
    const payload = await swarm.payload({ bytes: options.sizeMib * MIB, pieceLength: 256 * 1024 })
    const home = await swarm.tempDir('vouch-bench-home-')
    const server = new LineProcess(process.execPath, [
      SERVER,
      home,
      payload.torrentPath,
      payload.dir,
      ...(guard ? [] : ['--no-wire-guard']),
    ])
    swarm.defer(async () => void (await server.stop()))
    const serving = await server.json<{ port: number; token: string; torrentPort: number; infoHash: string }>(
      (line) => line.event === 'serving',
      300_000,
    )
    const pid = server.child.pid as number
    const conditions = Object.fromEntries(
      CONDITIONS.map((condition) => [condition, { downloadMs: [], apiMs: [], rssGrowthMiB: [] }]),
    ) as unknown as Record<Condition, Measured>
    for (let run = 0; run < options.repeats; run++) {
      for (const condition of CONDITIONS) {
        const baseline = rssOf(pid)
        let peak = baseline
        const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100)
        const probe = probeApi(serving.port, serving.token)
        const hostile = await attack(condition, serving.torrentPort, serving.infoHash, options)
        const out = await swarm.tempDir('vouch-bench-out-')
        const ms = await download(payload.torrentFile, `127.0.0.1:${serving.torrentPort}`, out)
        const api = await probe.stop()
        clearInterval(sampler)
        hostile?.hostile.destroy()
        await hostile?.running
        const measured = conditions[condition]
        measured.downloadMs.push(ms)
        measured.apiMs.push(...api)
        measured.rssGrowthMiB.push(peak - baseline)
        options.log(
          `hostile-wire guard ${guard ? 'on' : 'off'} run ${run + 1} ${condition}: download ${ms.toFixed(0)} ms, app.info median ${median(api).toFixed(1)} ms max ${Math.max(...api).toFixed(0)} ms, RSS +${(peak - baseline).toFixed(0)} MiB`,
        )
      }
    }
    return { guard, conditions }
  } finally {
    await swarm.close()
  }
}

/** MiB/s of `piece` messages through bittorrent-protocol's receive path, stock or guarded. */
function parserThroughput(guarded: boolean, mib: number): number {
  const wire = new Wire()
  if (guarded) {
    guardWire(
      wire,
      { conn: null, swarm: null, destroy: () => wire.destroy() },
      {
        hooks: { onViolation: () => {}, onFlood: () => {} },
        options: { maxPeerRequests: MAX_PEER_REQUESTS, floodIntervalMs: FLOOD_INTERVAL_MS },
      },
    )
    // The guard admits blocks up to the largest requested on the wire.
    wire.request(0, 0, 16 * 1024, () => {})
  }
  const write = (wire as unknown as { _write(data: Uint8Array, cb: () => void): void })._write.bind(wire)
  const handshake = Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(48)])
  const block = frame(MESSAGE_ID.piece, Buffer.alloc(8 + 16 * 1024))
  const frames = Buffer.concat(Array.from({ length: 256 }, () => block))
  const chunks: Buffer[] = []
  for (let at = 0; at < frames.length; at += 64 * 1024) chunks.push(frames.subarray(at, at + 64 * 1024))
  write(handshake, () => {})
  const rounds = Math.max(1, Math.round((mib * MIB) / frames.length))
  const started = performance.now()
  for (let round = 0; round < rounds; round++) for (const chunk of chunks) write(chunk, () => {})
  const seconds = (performance.now() - started) / 1000
  wire.destroy()
  return (rounds * frames.length) / MIB / seconds
}

export async function runHostileWireBench(
  input: HostileWireBenchOptions = {},
): Promise<HostileWireBenchResult> {
  const options: Required<HostileWireBenchOptions> = {
    log: input.log ?? ((line) => console.error(line)),
    repeats: input.repeats ?? 3,
    sizeMib: input.sizeMib ?? 64,
    streamMib: input.streamMib ?? 64,
    requests: input.requests ?? 100_000,
    before: input.before ?? process.env.VOUCH_BENCH_HOSTILE_BEFORE === '1',
  }
  const runs = [await measureServer(true, options)]
  if (options.before) runs.push(await measureServer(false, options))
  const parserMib = Math.max(64, options.sizeMib * 4)
  const parser = {
    stockMiBps: median([1, 2, 3].map(() => parserThroughput(false, parserMib))),
    guardedMiBps: median([1, 2, 3].map(() => parserThroughput(true, parserMib))),
  }
  return { ...options, runs, parser }
}

export function formatHostileWireTable(result: HostileWireBenchResult): string {
  const lines = [
    `Honest download of ${result.sizeMib} MiB from a \`vouch serve\` seeder (plain WebTorrent leecher), ` +
      `${result.repeats} runs each; oversized = 1 GiB piece declared, ${result.streamMib} MiB streamed; ` +
      `flood = ${result.requests.toLocaleString('en')} requests:`,
    '',
    '| wire guard | condition | download median | ratio to clean | app.info median | app.info max | server RSS growth |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const run of result.runs) {
    const clean = median(run.conditions.clean.downloadMs)
    for (const condition of CONDITIONS) {
      const measured = run.conditions[condition]
      const ms = median(measured.downloadMs)
      lines.push(
        `| ${run.guard ? 'on (Vouch)' : 'off (before)'} | ${condition} | ${ms.toFixed(0)} ms | ${(ms / clean).toFixed(2)} | ` +
          `${median(measured.apiMs).toFixed(1)} ms | ${Math.max(...measured.apiMs).toFixed(0)} ms | +${Math.max(...measured.rssGrowthMiB).toFixed(0)} MiB |`,
      )
    }
  }
  const { stockMiBps, guardedMiBps } = result.parser
  lines.push(
    '',
    'Receive parser alone (16 KiB piece messages in 64 KiB chunks):',
    '',
    '| parser | throughput |',
    '| --- | ---: |',
    `| bittorrent-protocol (WebTorrent) | ${stockMiBps.toFixed(0)} MiB/s |`,
    `| guarded (Vouch) | ${guardedMiBps.toFixed(0)} MiB/s |`,
    '',
    `ratio guarded/stock throughput: ${(guardedMiBps / stockMiBps).toFixed(2)}`,
  )
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const value = (name: string) => {
    const index = process.argv.indexOf(name)
    return index >= 0 ? Number(process.argv[index + 1]) : undefined
  }
  const result = await withTimeout(
    runHostileWireBench({
      ...(value('--size') ? { sizeMib: value('--size') } : {}),
      ...(value('--stream') ? { streamMib: value('--stream') } : {}),
      ...(value('--requests') ? { requests: value('--requests') } : {}),
      ...(value('--repeats') ? { repeats: value('--repeats') } : {}),
      before: process.argv.includes('--before'),
    }),
    3_600_000,
    'the hostile-wire bench',
  )
  console.log(formatHostileWireTable(result))
  process.exit(0)
}
