/**
 * files20k: a torrent of many small files (20 000 by default, 1–97 bytes each, pieces of 16 KiB),
 * every step under `ulimit -n 256`: `vouch create` next to libtorrent's create_torrent, then from
 * one `vouch seed`, `vouch get --recheck` next to libtorrent's leecher (test/interop/libtorrent_peer.py),
 * each spawned under /usr/bin/time. Correctness (every file's bytes) is checked for both leechers.
 *
 *   npm run bench -- --scenarios files20k [--files N] [--runs N]
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PROJECT_ROOT, QUIET_FLAGS, VouchProcess } from '../test/kit/cli.ts'
import { nextLoopbackAddress, tempDir } from '../test/kit/swarm.ts'
import { positiveFlag, runMeasured, type ChildRun } from './child.ts'
import { median } from './run.ts'

export const benchFlags = ['--files']

const FD_LIMIT = 256
const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
const LIBTORRENT_PEER = path.join(PROJECT_ROOT, 'test', 'interop', 'libtorrent_peer.py')
const PYTHON = '/usr/bin/python3'
const LIBTORRENT_CREATE = `
import sys, libtorrent as lt
fs = lt.file_storage(); lt.add_files(fs, sys.argv[1])
t = lt.create_torrent(fs, 16384); lt.set_piece_hashes(t, sys.argv[2])
open(sys.argv[3], 'wb').write(lt.bencode(t.generate()))
`

export interface Files20kOptions {
  repeats?: number
  argv?: readonly string[]
  log?: (line: string) => void
}

type Step = 'create' | 'download'
type Client = 'vouch' | 'libtorrent'

export interface Files20kResult {
  files: number
  runs: Record<Step, Record<Client, ChildRun[]>>
}

function checked(run: ChildRun, what: string): ChildRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(-2000)}`)
  return run
}

export async function runFiles20kBench(options: Files20kOptions = {}): Promise<Files20kResult> {
  const argv = options.argv ?? []
  const log = options.log ?? console.error
  const files = Math.round(positiveFlag(argv, '--files', 20_000))
  const repeats = options.repeats ?? 1
  const work = await tempDir('vouch-bench-files-')
  const root = path.join(work, 'many')
  const contents: Buffer[] = []
  for (let index = 0; index < files; index++) {
    const directory = path.join(root, `d${Math.floor(index / 1000)}`)
    if (index % 1000 === 0) await mkdir(directory, { recursive: true })
    const bytes = randomBytes(1 + (index % 97))
    contents.push(bytes)
    await writeFile(path.join(directory, `f${index % 1000}.bin`), bytes)
  }
  log(`files20k: ${files} files written`)
  const limits = { timeoutMs: 900_000, fdLimit: FD_LIMIT }
  const runs: Files20kResult['runs'] = {
    create: { vouch: [], libtorrent: [] },
    download: { vouch: [], libtorrent: [] },
  }
  const torrentPath = path.join(work, 'many.torrent')
  for (let run = 0; run < repeats; run++) {
    const lt = checked(
      await runMeasured(['-c', LIBTORRENT_CREATE, root, work, path.join(work, 'lt.torrent')], {
        ...limits,
        command: PYTHON,
      }),
      'libtorrent create',
    )
    runs.create.libtorrent.push(lt)
    const vouch = checked(
      await runMeasured([BIN, 'create', root, '--out', torrentPath, '--piece-length', '16384'], limits),
      'vouch create',
    )
    runs.create.vouch.push(vouch)
    log(
      `files20k: create run ${run + 1}: vouch ${vouch.wallMs.toFixed(0)} ms, libtorrent ${lt.wallMs.toFixed(0)} ms`,
    )
  }
  const seederHome = await tempDir('vouch-bench-seeder-')
  // Every download's files stay until the end: deleting 20 000 files makes creating files slow for
  // seconds after on this kind of VM (ext4), which would charge one client for the other's cleanup.
  const leftovers: string[] = [seederHome]
  const seed = new VouchProcess(['--json', '--home', seederHome, 'seed', torrentPath, ...QUIET_FLAGS], {
    fdLimit: FD_LIMIT,
  })
  try {
    const { port } = await seed.json<{ port: number }>((line) => line.event === 'seeding', 600_000)
    for (let run = 0; run < repeats; run++) {
      for (const client of ['libtorrent', 'vouch'] as const) {
        const out = await tempDir('vouch-bench-out-')
        const home = await tempDir('vouch-bench-home-')
        leftovers.push(out, home)
        const peer = `${nextLoopbackAddress()}:${port}`
        const result =
          client === 'vouch'
            ? await runMeasured(
                [
                  BIN,
                  '--home',
                  home,
                  'get',
                  torrentPath,
                  '--out',
                  out,
                  '--peer',
                  peer,
                  '--allow-unsigned',
                  '--recheck',
                  '--timeout',
                  '120',
                  ...QUIET_FLAGS,
                ],
                limits,
              )
            : await runMeasured([LIBTORRENT_PEER, 'leech', torrentPath, out, nextLoopbackAddress(), peer], {
                ...limits,
                command: PYTHON,
              })
        checked(result, `${client} download`)
        for (let index = 0; index < files; index += 1) {
          const file = path.join(out, 'many', `d${Math.floor(index / 1000)}`, `f${index % 1000}.bin`)
          if (!(await readFile(file)).equals(contents[index] ?? Buffer.alloc(0)))
            throw new Error(`${client}: ${file} differs`)
        }
        runs.download[client].push(result)
        log(`files20k: download run ${run + 1}: ${client} ${result.wallMs.toFixed(0)} ms, every file ok`)
      }
    }
  } finally {
    await seed.stop('SIGKILL')
    for (const directory of [work, ...leftovers]) await rm(directory, { recursive: true, force: true })
  }
  return { files, runs }
}

export function formatFiles20kTable(result: Files20kResult): string {
  const row = (step: Step, label: string) => {
    const of = (client: Client, key: 'wallMs' | 'cpuMs') =>
      median(result.runs[step][client].map((run) => run[key]))
    const ratio = of('vouch', 'wallMs') / of('libtorrent', 'wallMs')
    return `| ${label} | ${of('vouch', 'wallMs').toFixed(0)} ms (CPU ${of('vouch', 'cpuMs').toFixed(0)}) | ${of('libtorrent', 'wallMs').toFixed(0)} ms (CPU ${of('libtorrent', 'cpuMs').toFixed(0)}) | ${ratio.toFixed(2)} |`
  }
  return [
    `${result.files} files of 1–97 bytes, pieces of 16 KiB, every process under ulimit -n ${FD_LIMIT}, whole processes (median):`,
    '',
    '| step | Vouch | libtorrent | ratio |',
    '| --- | ---: | ---: | ---: |',
    row('create', 'create the .torrent'),
    row('download', 'download from one vouch seed (Vouch with --recheck), every file checked'),
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  console.log(formatFiles20kTable(await runFiles20kBench({ argv, repeats: positiveFlag(argv, '--runs', 1) })))
}
