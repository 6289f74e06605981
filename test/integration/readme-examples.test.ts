/**
 * The README's command-line examples, pasted in order as a user would. Every ```sh block marked
 * `<!-- readme-test -->` in README.md is read from the file, and each line runs through /bin/sh in
 * a fresh HOME and working directory. `npx vouch` is this checkout's bin/vouch.js (a shim on
 * PATH), with discovery off for the commands that open an engine (loopback only). The only changes
 * to a line are the substitutions below (free ports for fixed ones, loopback servers for the
 * example hosts, and the placeholders the README tells the reader to fill in from an earlier
 * command's output); each must match the README or the test fails, so the table cannot drift.
 */
import { readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { childEnv, LineProcess } from '../kit/process.ts'
import { Swarm, withTimeout } from '../kit/swarm.ts'

interface Example {
  section: string
  line: string
}

/** The lines of every ```sh block that follows a `<!-- readme-test -->` comment, in order. */
function readmeExamples(text: string): Example[] {
  const examples: Example[] = []
  let section = ''
  let marked = false
  let inBlock = false
  for (const line of text.split('\n')) {
    if (inBlock) {
      if (line.startsWith('```')) inBlock = false
      else if (line.trim() !== '' && !line.trim().startsWith('#'))
        examples.push({ section, line: line.trim() })
      continue
    }
    if (line.startsWith('## ')) section = line.slice(3)
    if (line.trim() === '<!-- readme-test -->') marked = true
    else if (line.startsWith('```sh') && marked) {
      inBlock = true
      marked = false
    } else if (line.trim() !== '') marked = false
  }
  return examples
}

interface Context {
  seedPort: number
  /** A loopback HTTP server holding the README's example blocklist. */
  listServer: string
  /** The report URL the backgrounded `serve --publish-bans` printed. */
  reportUrl(): Promise<string>
  /** Output of an earlier command, for placeholders the README says to take from it. */
  vouch(args: string[]): Promise<string>
}

/** README text → what runs; each is asserted to occur in the README. */
const SUBSTITUTIONS: { text: string; by: (context: Context) => Promise<string> | string }[] = [
  // Tests never bind fixed ports: the seeder gets a free one, and `get` dials it.
  { text: '--port 6881', by: ({ seedPort }) => `--port ${seedPort}` },
  { text: '127.0.0.2:6881', by: ({ seedPort }) => `127.0.0.2:${seedPort}` },
  { text: 'serve --port 8080', by: async () => `serve --port ${await freePort()}` },
  // No example.org from a test: the same list, served on loopback.
  { text: 'https://example.org/level1.p2p.gz', by: ({ listServer }) => `${listServer}/level1.p2p.gz` },
  // "prints the report URL": the one this run's serve printed.
  { text: 'http://10.0.0.5:8080/bans.json', by: ({ reportUrl }) => reportUrl() },
  // "as trust list shows it"
  {
    text: 'trust revoke FINGERPRINT',
    by: async ({ vouch }) => {
      const { publishers } = JSON.parse(await vouch(['--json', 'trust', 'list'])) as {
        publishers: { fingerprint: string }[]
      }
      const [publisher] = publishers
      return `trust revoke ${publisher?.fingerprint ?? 'none'}`
    },
  },
  // "an address bans list shows"
  {
    text: 'bans lift ADDRESS',
    by: async ({ vouch }) => {
      const { bans } = JSON.parse(await vouch(['--json', 'bans', 'list'])) as { bans: { address: string }[] }
      const [ban] = bans
      return `bans lift ${ban?.address ?? 'none'}`
    },
  },
]

/** Lines that run until stopped: started in the background, stopped at the end. */
const LONG_RUNNING: { prefix: string; ready: RegExp }[] = [
  { prefix: 'npx vouch seed ', ready: /seeding/i },
  { prefix: 'npx vouch serve ', ready: /serving|http:\/\/127\.0\.0\.1/i },
]

/*
 * Not marked: the opening npm block (installs and runs the whole suite), the feeds block (it needs
 * a DHT: test/integration/feeds-dht.test.ts), the desktop app, and the operators block (fixed
 * metrics and RPC ports, /var/log, and a release.torrent the reader brings; its commands are
 * covered by the metrics, events and Transmission tests).
 */

/** Lines not run, and why (each must be in the README). */
const NOT_RUN: { prefix: string; why: string }[] = [
  {
    prefix: "npx vouch get 'magnet:?xt=urn:btih:…'",
    why: 'a placeholder magnet, found through the DHT or trackers, which a loopback test has not',
  },
]

const README = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** `npx` for the README's lines: `npx vouch …` runs this checkout, discovery off for engines. */
function npxShim(): string {
  const bin = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
  const quiet = QUIET_FLAGS.join(' ')
  return `#!/bin/sh
[ "$1" = vouch ] || { echo "this test only runs npx vouch" >&2; exit 127; }
shift
case "$1" in
  get|seed|serve) command=$1; shift; exec "${process.execPath}" "${bin}" "$command" ${quiet} "$@" ;;
esac
exec "${process.execPath}" "${bin}" "$@"
`
}

describe('the README examples, pasted in order', () => {
  const swarm = new Swarm()
  const background: LineProcess[] = []
  afterAll(async () => {
    for (const child of background) {
      if (child.running) child.child.kill('SIGTERM')
      await withTimeout(child.exited, 10_000, 'a README example stopping').catch(() =>
        child.child.kill('SIGKILL'),
      )
    }
    await swarm.close()
  })

  it('every marked example exits 0 (or runs until stopped) in a fresh HOME against loopback', async () => {
    const examples = readmeExamples(README)
    expect(examples.length).toBeGreaterThan(20)
    for (const { text } of SUBSTITUTIONS) expect(README, `README no longer says ${text}`).toContain(text)
    for (const { prefix } of [...NOT_RUN, ...LONG_RUNNING])
      expect(
        examples.some((example) => example.line.startsWith(prefix)),
        prefix,
      ).toBe(true)

    const work = await swarm.tempDir('vouch-readme-')
    const home = path.join(work, 'home')
    const binDir = path.join(work, '.bin')
    await mkdir(binDir, { recursive: true })
    await writeFile(path.join(binDir, 'npx'), npxShim())
    await chmod(path.join(binDir, 'npx'), 0o755)
    await mkdir(home, { recursive: true })
    // What the README assumes the reader has: data to share and blocklists to import.
    await mkdir(path.join(work, 'my-release'))
    await writeFile(path.join(work, 'my-release', 'notes.txt'), 'release notes\n'.repeat(4000))
    const blocklist = gzipSync('Example range:198.51.100.0-198.51.100.255\n')
    await writeFile(path.join(work, 'level1.p2p.gz'), blocklist)
    // "a rules file you have not enabled yet": the README's own example.
    await writeFile(path.join(work, 'strict.json'), /```json\n([\s\S]*?)```/.exec(README)?.[1] ?? '')
    await writeFile(path.join(work, 'lan.txt'), '192.0.2.0/24\n')
    const env = childEnv({ HOME: home, PATH: `${binDir}:${process.env.PATH ?? ''}` })
    delete env.VOUCH_HOME
    delete env.XDG_CONFIG_HOME
    const lists = http.createServer((request, response) => {
      if (request.url !== '/level1.p2p.gz') return void response.writeHead(404).end()
      response.writeHead(200, { 'content-type': 'application/gzip' }).end(blocklist)
    })
    await new Promise<void>((resolve) => lists.listen(0, '127.0.0.1', () => resolve()))
    swarm.defer(() => new Promise<void>((resolve) => lists.close(() => resolve())))
    const context: Context = {
      seedPort: await freePort(),
      listServer: `http://127.0.0.1:${(lists.address() as net.AddressInfo).port}`,
      reportUrl: async () => {
        // `serve` notes it on stderr: "publishing bans at http://…/bans.json, signed by …".
        const printed = () => /https?:\/\/\S+\/bans\.json/.exec(background.map((c) => c.stderr).join('\n'))
        for (let waited = 0; !printed() && waited < 10_000; waited += 100) await sleep(100)
        return printed()?.[0] ?? 'no-report-url-printed'
      },
      vouch: async (args) => {
        const result = await runVouch(args, { cwd: work, env })
        return result.stdout
      },
    }

    for (const example of examples) {
      if (NOT_RUN.some(({ prefix }) => example.line.startsWith(prefix))) continue
      let line = example.line
      for (const { text, by } of SUBSTITUTIONS)
        if (line.includes(text)) line = line.replace(text, await by(context))
      const where = `${example.section}: ${example.line}`
      const long = LONG_RUNNING.find(({ prefix }) => line.startsWith(prefix))
      // exec: the shell becomes the command, so stopping it stops vouch itself (by its PID).
      const shell = new LineProcess('/bin/sh', ['-c', long ? `exec ${line}` : line], { cwd: work, env })
      if (long) {
        background.push(shell)
        await shell.line((output) => long.ready.test(output), 30_000, `${where} to be ready`)
        continue
      }
      const exit = await withTimeout(shell.exited, 60_000, where)
      expect(exit.code, `${where}\n${shell.lines.join('\n')}\n${shell.stderr}`).toBe(0)
    }
  })
})
