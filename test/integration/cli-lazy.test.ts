import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { COMMANDS, commandNameIn } from '../../src/cli/main.ts'
import { EXIT } from '../../src/cli/exit-codes.ts'
import { RULES_FILE } from '../../src/rules/defaults.ts'
import { PROJECT_ROOT, QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { makePayload, tempDir } from '../kit/swarm.ts'

const TRACE_HOOK = path.join(PROJECT_ROOT, 'test', 'kit', 'module-trace.ts')

/** Runs `vouch ARGS` and returns its exit code and every module URL it resolved. */
async function modulesLoadedBy(
  args: string[],
  home?: string,
): Promise<{ code: number | null; urls: string[] }> {
  const dir = home ?? (await tempDir('vouch-trace-'))
  const trace = path.join(dir, 'modules.txt')
  const result = await runVouch(['--home', dir, ...args], {
    nodeArgs: ['--import', TRACE_HOOK],
    env: { VOUCH_MODULE_TRACE: trace },
  })
  return { code: result.code, urls: (await readFile(trace, 'utf8')).split('\n') }
}

const webtorrentModules = (urls: string[]) => urls.filter((url) => url.includes('/node_modules/webtorrent/'))

describe('the CLI loads only the module of the command it runs', () => {
  it('--help, verify, trust list and bans list load nothing of WebTorrent', async () => {
    const payload = await makePayload({ bytes: 64 * 1024 })
    for (const [args, exit] of [
      [['--help'], 0],
      [['verify', payload.torrentPath], 3],
      [['trust', 'list'], 0],
      [['bans', 'list'], 0],
    ] as const) {
      const { code, urls } = await modulesLoadedBy([...args])
      expect(code, args.join(' ')).toBe(exit)
      expect(urls.length, `${args.join(' ')} traced modules`).toBeGreaterThan(10)
      expect(webtorrentModules(urls), args.join(' ')).toEqual([])
      expect(urls.some((url) => url.endsWith('/src/cli/commands/get.ts'))).toBe(false)
    }
  })

  it('verify reads a .torrent without parse-torrent, which loads a fetch implementation at import', async () => {
    const payload = await makePayload({ bytes: 64 * 1024 })
    const { code, urls } = await modulesLoadedBy(['verify', payload.torrentPath])
    expect(code).toBe(3)
    expect(urls.some((url) => url.endsWith('/src/engine/torrent-decode.ts'))).toBe(true)
    expect(
      urls.filter((url) => /\/node_modules\/(parse-torrent|node-fetch|cross-fetch-ponyfill)\//.test(url)),
    ).toEqual([])
  })

  it('peers and bans export load no progress bar (only get and seed draw one)', async () => {
    for (const args of [['peers'], ['bans', 'export', '--format', 'csv']]) {
      const { code, urls } = await modulesLoadedBy(args)
      expect(code, args.join(' ')).toBe(0)
      expect(
        urls.some(
          (url) => url.endsWith('/src/cli/commands/peers.ts') || url.endsWith('/src/cli/commands/bans.ts'),
        ),
        args.join(' '),
      ).toBe(true)
      expect(
        urls.filter((url) => url.includes('/node_modules/cli-progress/')),
        args.join(' '),
      ).toEqual([])
    }
  })

  it('a command that downloads does load WebTorrent (the trace sees it)', async () => {
    const { code, urls } = await modulesLoadedBy(['get', '--help'])
    expect(code).toBe(0)
    expect(webtorrentModules(urls).length).toBeGreaterThan(0)
  })

  it('get without a rules.json loads no zod (nor, off a terminal, cli-progress); with one, the schema is loaded to validate it', async () => {
    const payload = await makePayload({ bytes: 64 * 1024 })
    // No peer: the engine and the reputation store open, then the download times out after 1 s.
    const args = ['get', payload.torrentPath, '--allow-unsigned', '--timeout', '1', ...QUIET_FLAGS]
    const zodModules = (urls: string[]) => urls.filter((url) => url.includes('/node_modules/zod/'))
    const bare = await modulesLoadedBy(args)
    expect(bare.code).toBe(EXIT.network)
    expect(bare.urls.some((url) => url.endsWith('/src/rules/live.ts'))).toBe(true)
    expect(zodModules(bare.urls)).toEqual([])
    // stderr is a pipe here, not a terminal: no progress bar, so cli-progress is not loaded either.
    expect(bare.urls.filter((url) => url.includes('/node_modules/cli-progress/'))).toEqual([])
    const home = await tempDir('vouch-trace-')
    await writeFile(path.join(home, RULES_FILE), JSON.stringify({ version: 1, banMs: 5000 }))
    const withRules = await modulesLoadedBy(args, home)
    expect(withRules.code).toBe(EXIT.network)
    expect(zodModules(withRules.urls).length).toBeGreaterThan(0)
  })

  it('names the command in argv past root options, and the subject of vouch help', () => {
    expect(commandNameIn([])).toBeUndefined()
    expect(commandNameIn(['--help'])).toBeUndefined()
    expect(commandNameIn(['--json', '--home', 'trust', 'bans', 'list'])).toBe('bans')
    expect(commandNameIn(['--home=/tmp/x', 'verify', 'a.torrent'])).toBe('verify')
    expect(commandNameIn(['help', 'trust'])).toBe('trust')
    expect(commandNameIn(['help'])).toBe('help')
  })

  it("each command's summary in the table is the description its module declares", async () => {
    for (const entry of COMMANDS) {
      const program = new Command('vouch')
      ;(await entry.load())(program)
      const declared = program.commands.map((command) => [command.name(), command.description()])
      expect(declared, entry.name).toEqual([[entry.name, entry.summary]])
    }
  })
})
