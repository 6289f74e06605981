/**
 * Reputation store bench. `bench/run.ts` may call `runReputationBench`; it also runs alone:
 * `npx node bench/reputation.ts [--events N] [--bans N] [--bytes N] [--repeats N]`.
 *
 * 1. Write rate: audit events through the batched queue (end to end, committed), and the cost of
 *    one `recordContribution` call on the download path.
 * 2. Export of 100k bans in every format, signed and not.
 * 3. `audit verify` of 1M events.
 * 4. Open time of a large store (100k bans, 100k peers, 1M events), alone and with an engine.
 * 5. Download time on one loopback swarm with and without the store recording every block
 *    (medians of `repeats` runs, interleaved): the writes must not slow the download.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import type Wire from 'bittorrent-protocol'
import { Engine } from '../src/engine/engine.ts'
import { generateKey } from '../src/provenance/keys.ts'
import { verifyAuditLog } from '../src/reputation/audit-log.ts'
import { parseIp } from '../src/reputation/ip.ts'
import { buildReport, REPORT_FORMATS } from '../src/reputation/report.ts'
import { signReport } from '../src/reputation/report-signature.ts'
import { ReputationStore, type BlocklistEntry } from '../src/reputation/store.ts'
import { reputationFor } from '../src/reputation/wiring.ts'
import { QUIET_CLIENT, Swarm, tempDir, whenDone } from '../test/kit/swarm.ts'

export interface ReputationBenchOptions {
  /** Events in the audit log for the verify and open figures. Default 1 000 000. */
  events?: number
  /** Bans exported. Default 100 000. */
  bans?: number
  /** Download payload. Default 32 MiB. */
  bytes?: number
  repeats?: number
  log?: (line: string) => void
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now()
  const value = run()
  return [value, performance.now() - start]
}

const rate = (count: number, ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`

async function storeFigures(dir: string, events: number, bans: number, log: (line: string) => void) {
  const file = path.join(dir, 'vouch.db')
  const store = ReputationStore.open(file)

  const [, writeMs] = timed(() => {
    for (let i = 0; i < events; i++)
      store.record({
        type: 'provenance.accepted',
        subject: `torrent-${i}`,
        details: { i, name: `name ${i}` },
      })
    store.flush()
  })
  const calls = 1_000_000
  const [, contributionMs] = timed(() => {
    for (let i = 0; i < calls; i++) store.recordContribution(`10.0.0.${i % 50}`, { bytesGood: 16384 })
  })
  const [, peersFlushMs] = timed(() => store.flush())

  const entries: BlocklistEntry[] = []
  for (let i = 0; i < bans; i++) {
    const first = parseIp(`${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0`)
    const last = parseIp(`${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.255`)
    if (first && last) entries.push({ first, last, label: `range ${i}` })
  }
  const [, importMs] = timed(() => {
    store.importBans(entries, { subject: 'bench' })
    store.flush()
  })
  const list = store.list()
  const key = generateKey()
  const exports: string[] = []
  for (const format of REPORT_FORMATS) {
    const [report, buildMs] = timed(() => buildReport(list, format, { now: Date.now() }))
    const [, signMs] = timed(() => signReport(format, report.text, key))
    exports.push(
      `| ${format} | ${(report.text.length / 1024 / 1024).toFixed(1)} MiB | ${buildMs.toFixed(0)} ms | ${(buildMs + signMs).toFixed(0)} ms |`,
    )
  }
  const [verification, verifyMs] = timed(() => verifyAuditLog(store.database))
  if (!verification.ok) throw new Error(`audit log broken: ${verification.message}`)
  store.close()

  const [reopened, openMs] = timed(() => ReputationStore.open(file))
  const activeBans = reopened.list().length
  reopened.close()
  const engineMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    const reputation = reputationFor(ReputationStore.open(file))
    const engine = await Engine.open({
      ...QUIET_CLIENT,
      home: dir,
      resume: false,
      ...reputation.engineOptions(),
    })
    engineMs.push(performance.now() - start)
    await engine.close()
    reputation.close()
  }

  log(`reputation store (${file})`)
  log('| figure | value |')
  log('| --- | ---: |')
  log(
    `| audit events written, queued and committed | ${rate(events, writeMs)} (${events.toLocaleString('en')} in ${writeMs.toFixed(0)} ms) |`,
  )
  log(
    `| recordContribution on the download path | ${((contributionMs * 1e6) / calls).toFixed(0)} ns/call (${calls.toLocaleString('en')} calls, 50 hosts; flushed in ${peersFlushMs.toFixed(0)} ms) |`,
  )
  log(`| import of ${bans.toLocaleString('en')} ranges (memory index + commit) | ${importMs.toFixed(0)} ms |`)
  log(
    `| audit verify of ${verification.events.toLocaleString('en')} events | ${verifyMs.toFixed(0)} ms (${rate(verification.events, verifyMs)}) |`,
  )
  log(
    `| store open (${activeBans.toLocaleString('en')} bans, ${verification.events.toLocaleString('en')} events) | ${openMs.toFixed(0)} ms |`,
  )
  log(`| engine open with that store (median of 3) | ${median(engineMs).toFixed(0)} ms |`)
  log('')
  log(`export of ${list.length.toLocaleString('en')} bans`)
  log('| format | size | build | build + sign |')
  log('| --- | ---: | ---: | ---: |')
  for (const line of exports) log(line)
}

async function downloadTimes(bytes: number, repeats: number, log: (line: string) => void) {
  const swarm = new Swarm()
  const times: Record<string, number[]> = { 'engine without store': [], 'engine with store': [] }
  try {
    const payload = await swarm.payload({ bytes, pieceLength: 256 * 1024 })
    const seeder = await swarm.seeder(payload)
    for (let run = 0; run < repeats; run++) {
      for (const variant of Object.keys(times)) {
        const home = await tempDir('vouch-bench-home-')
        const reputation =
          variant === 'engine with store' ? reputationFor(ReputationStore.openInHome(home)) : null
        const engine = await Engine.open({
          ...QUIET_CLIENT,
          home,
          resume: false,
          ...(reputation ? reputation.engineOptions() : {}),
        })
        reputation?.connect(engine)
        // Like a per-block caller on the hot path: every block received is one counter update.
        const onWire = (wire: Wire) =>
          wire.on('download', (length: number) =>
            reputation?.store.recordContribution(wire.remoteAddress ?? '', { bytesGood: length }),
          )
        const start = performance.now()
        const torrent = await engine.add(payload.torrentPath, {
          downloadDir: path.join(home, 'out'),
          peers: [seeder.address],
          remember: false,
        })
        torrent.on('wire', onWire)
        await whenDone(torrent, 120_000)
        times[variant]?.push(performance.now() - start)
        await engine.close()
        reputation?.close()
        await rm(home, { recursive: true, force: true })
      }
    }
  } finally {
    await swarm.close()
  }
  const base = median(times['engine without store'] ?? [])
  log('')
  log(
    `download time, ${(bytes / 1024 / 1024).toFixed(0)} MiB from one loopback seeder (median of ${repeats})`,
  )
  log('| variant | median | ratio | runs |')
  log('| --- | ---: | ---: | --- |')
  for (const [variant, values] of Object.entries(times))
    log(
      `| ${variant} | ${median(values).toFixed(0)} ms | ${(median(values) / base).toFixed(2)} | ${values.map((value) => value.toFixed(0)).join(', ')} |`,
    )
  return times
}

export async function runReputationBench(options: ReputationBenchOptions = {}) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const dir = await tempDir('vouch-bench-reputation-')
  try {
    await storeFigures(dir, options.events ?? 1_000_000, options.bans ?? 100_000, log)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return downloadTimes(options.bytes ?? 32 * 1024 * 1024, options.repeats ?? 3, log)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(name)
    return index >= 0 ? Number(process.argv[index + 1]) : undefined
  }
  await runReputationBench({
    ...(flag('--events') ? { events: flag('--events') } : {}),
    ...(flag('--bans') ? { bans: flag('--bans') } : {}),
    ...(flag('--bytes') ? { bytes: flag('--bytes') } : {}),
    ...(flag('--repeats') ? { repeats: flag('--repeats') } : {}),
  })
}
