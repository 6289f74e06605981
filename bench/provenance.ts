/**
 * Provenance bench: how long the gate takes to judge one torrent, and whether it shows in download
 * time. `bench/run.ts` may call `runProvenanceBench`; it also runs alone:
 * `npx node bench/provenance.ts [--bytes N] [--repeats N]`.
 *
 * 1. Verify time per torrent (no network): read the .torrent strictly, hash the info dictionary
 *    (SHA-1 and SHA-256), verify the ed25519 signature, apply the policy; plus loading the trust
 *    store, for torrents from one piece to 16 384 pieces and 1 000 files.
 * 2. Download time on one loopback swarm: a plain engine (no gate) with the unsigned .torrent, the
 *    gated engine with the signed .torrent, and the gated engine with a signed magnet (metadata
 *    checked on arrival, store opened on approval). Medians of `repeats` runs, interleaved.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { createEngine } from '../src/engine/create-engine.ts'
import { Engine } from '../src/engine/engine.ts'
import { encodeBencode } from '../src/provenance/bencode.ts'
import { magnetWithEnvelopes } from '../src/provenance/carriers.ts'
import { judgeTorrentFile } from '../src/provenance/gate.ts'
import { generateKey } from '../src/provenance/keys.ts'
import { signTorrent } from '../src/provenance/sign.ts'
import { TrustStore } from '../src/provenance/trust-store.ts'
import { QUIET_CLIENT, Swarm, tempDir, whenDone } from '../test/kit/swarm.ts'

export interface ProvenanceBenchOptions {
  /** Payload size for the download comparison. Default 32 MiB. */
  bytes?: number
  /** Downloads per variant; the median is reported. Default 3. */
  repeats?: number
  log?: (line: string) => void
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

/** A synthetic .torrent with `pieces` piece hashes and `files` files (content never needed). */
function syntheticTorrent(pieces: number, files: number): Uint8Array {
  const pieceLength = 1024 * 1024
  const total = pieces * pieceLength
  const perFile = Math.floor(total / files)
  return encodeBencode({
    announce: new TextEncoder().encode('http://127.0.0.1:6969/announce'),
    info: {
      ...(files === 1
        ? { length: total }
        : {
            files: Array.from({ length: files }, (_, index) => ({
              length: index === files - 1 ? total - perFile * (files - 1) : perFile,
              path: [
                new TextEncoder().encode(`dir-${index % 10}`),
                new TextEncoder().encode(`file-${index}.bin`),
              ],
            })),
          }),
      name: new TextEncoder().encode('bench-release'),
      'piece length': pieceLength,
      pieces: new Uint8Array(pieces * 20).map((_, index) => (index * 7) & 0xff),
    },
  })
}

async function verifyTimes(log: (line: string) => void) {
  const key = generateKey()
  const home = await tempDir('vouch-bench-trust-')
  const store = TrustStore.forHome(home)
  await store.pin(key, { name: 'Publisher' })
  for (let index = 0; index < 9; index++) await store.pin(generateKey(), { name: `Other ${index}` })
  const rows: { torrent: string; bytes: number; judgeUs: number; withTrustLoadUs: number }[] = []
  for (const [label, pieces, files] of [
    ['1 piece, 1 file', 1, 1],
    ['1 024 pieces, 1 file', 1024, 1],
    ['16 384 pieces, 1 file', 16384, 1],
    ['4 096 pieces, 1 000 files', 4096, 1000],
  ] as const) {
    const signed = signTorrent(syntheticTorrent(pieces, files), key, { sequence: 1 }).bytes
    const view = await store.view()
    const iterations = pieces >= 4096 ? 50 : 300
    for (let index = 0; index < 20; index++) judgeTorrentFile(signed, view, Date.now())
    let started = performance.now()
    for (let index = 0; index < iterations; index++) {
      if (!judgeTorrentFile(signed, view, Date.now()).decision.accepted)
        throw new Error('bench fixture refused')
    }
    const judgeUs = ((performance.now() - started) / iterations) * 1000
    started = performance.now()
    for (let index = 0; index < iterations; index++) judgeTorrentFile(signed, await store.view(), Date.now())
    const withTrustLoadUs = ((performance.now() - started) / iterations) * 1000
    rows.push({ torrent: label, bytes: signed.length, judgeUs, withTrustLoadUs })
  }
  await rm(home, { recursive: true, force: true })
  log('verify time per torrent (strict read + SHA-1 + SHA-256 + ed25519 verify + policy; 10 pinned keys)')
  log('| torrent | .torrent bytes | judge | judge + load trust.json |')
  log('| --- | ---: | ---: | ---: |')
  for (const row of rows)
    log(
      `| ${row.torrent} | ${row.bytes} | ${row.judgeUs.toFixed(0)} µs | ${row.withTrustLoadUs.toFixed(0)} µs |`,
    )
  return rows
}

async function downloadTimes(bytes: number, repeats: number, log: (line: string) => void) {
  const swarm = new Swarm()
  const times: Record<
    'plain engine, unsigned .torrent' | 'gated, signed .torrent' | 'gated, signed magnet',
    number[]
  > = {
    'plain engine, unsigned .torrent': [],
    'gated, signed .torrent': [],
    'gated, signed magnet': [],
  }
  try {
    const key = generateKey()
    const payload = await swarm.payload({ bytes, pieceLength: 256 * 1024, name: 'bench.bin' })
    const seeder = await swarm.seeder(payload, { noDelay: true })
    const signed = signTorrent(payload.torrentFile, key, {})
    const signedPath = path.join(payload.dir, 'bench.signed.torrent')
    await writeFile(signedPath, signed.bytes)
    const magnet = magnetWithEnvelopes({ infoHash: signed.infoHash }, [signed.envelope])
    for (let run = 0; run < repeats; run++) {
      for (const variant of Object.keys(times) as (keyof typeof times)[]) {
        const home = await tempDir('vouch-bench-home-')
        const out = path.join(home, 'out')
        await mkdir(out)
        let engine: Engine
        if (variant.startsWith('plain')) engine = await Engine.open({ ...QUIET_CLIENT, resume: false, home })
        else {
          await TrustStore.forHome(home).pin(key, { name: 'Publisher' })
          engine = await createEngine({ ...QUIET_CLIENT, resume: false, home })
        }
        try {
          const started = performance.now()
          const source = variant.startsWith('plain')
            ? payload.torrentPath
            : variant.endsWith('magnet')
              ? magnet
              : signedPath
          const torrent = await engine.add(source, {
            downloadDir: out,
            peers: [seeder.address],
            remember: false,
          })
          await whenDone(torrent, 120_000)
          times[variant].push(performance.now() - started)
        } finally {
          await engine.close()
          await rm(home, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await swarm.close()
  }
  const base = median(times['plain engine, unsigned .torrent'])
  log('')
  log(
    `download time, ${(bytes / 1024 / 1024).toFixed(0)} MiB from one loopback seeder (median of ${repeats})`,
  )
  log('| variant | median | ratio to plain | runs |')
  log('| --- | ---: | ---: | --- |')
  for (const [variant, values] of Object.entries(times))
    log(
      `| ${variant} | ${median(values).toFixed(0)} ms | ${(median(values) / base).toFixed(2)} | ${values.map((value) => value.toFixed(0)).join(', ')} |`,
    )
  return times
}

export async function runProvenanceBench(options: ProvenanceBenchOptions = {}) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const verify = await verifyTimes(log)
  const download = await downloadTimes(options.bytes ?? 32 * 1024 * 1024, options.repeats ?? 3, log)
  return { verify, download }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(name)
    return index >= 0 ? Number(process.argv[index + 1]) : undefined
  }
  await runProvenanceBench({
    ...(flag('--bytes') ? { bytes: flag('--bytes') } : {}),
    ...(flag('--repeats') ? { repeats: flag('--repeats') } : {}),
  })
}
