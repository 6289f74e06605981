import { Command, CommanderError } from 'commander'
import { vouchVersion } from '../api/version.ts'
import { isVouchError } from '../errors.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'

type Register = (program: Command) => void

/**
 * Every `vouch` command: its name, the line `vouch --help` shows for it, and the module that
 * declares its options and runs it. Only the module of the command being run is imported, so
 * `vouch --help`, `verify` or `trust list` never load WebTorrent. To add a command, write
 * src/cli/commands/NAME.ts exporting `registerNAME(program)` and add one line here; the summary
 * must be the description the module gives (test/unit/cli/lazy-commands.test.ts checks it).
 */
export const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Register> }[] = [
  {
    name: 'create',
    summary: 'make a .torrent for a file or directory',
    load: async () => (await import('./commands/create.ts')).registerCreate,
  },
  {
    name: 'get',
    summary: 'download a .torrent, magnet link or infohash, verify it, and exit',
    load: async () => (await import('./commands/get.ts')).registerGet,
  },
  {
    name: 'seed',
    summary: 'seed a file, a directory, or a .torrent whose data is on disk, until stopped',
    load: async () => (await import('./commands/seed.ts')).registerSeed,
  },
  {
    name: 'keygen',
    summary: 'make a new publisher key: KEY (secret, mode 0600) and KEY.pub',
    load: async () => (await import('./commands/keygen.ts')).registerKeygen,
  },
  {
    name: 'sign',
    summary: 'add your signature (an envelope) to a .torrent; its infohash does not change',
    load: async () => (await import('./commands/sign.ts')).registerSign,
  },
  {
    name: 'verify',
    summary:
      'check a .torrent or magnet against your pinned publishers (exit 0 trusted, 3 refused, 4 invalid)',
    load: async () => (await import('./commands/verify.ts')).registerVerify,
  },
  {
    name: 'magnet',
    summary: 'print a magnet link that carries the .torrent’s envelopes',
    load: async () => (await import('./commands/magnet.ts')).registerMagnet,
  },
  {
    name: 'trust',
    summary: 'the publishers you trust (pinned keys)',
    load: async () => (await import('./commands/trust.ts')).registerTrust,
  },
  {
    name: 'serve',
    summary: 'run the engine headless with the web UI; prints the address to open, token included',
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  {
    name: 'peers',
    summary: 'every peer the reputation store remembers, most recently seen first',
    load: async () => (await import('./commands/peers.ts')).registerPeers,
  },
  {
    name: 'bans',
    summary: 'banned addresses: list, export, import, lift',
    load: async () => (await import('./commands/bans.ts')).registerBans,
  },
  {
    name: 'audit',
    summary: 'the hash-chained audit log',
    load: async () => (await import('./commands/audit.ts')).registerAudit,
  },
  {
    name: 'verify-report',
    summary: 'check the signature of a ban report; exit 0 when it holds, 4 when it does not',
    load: async () => (await import('./commands/report.ts')).registerVerifyReport,
  },
  {
    name: 'publish',
    summary: 'put a signed release on your feed (BEP 46) and print the feed magnet followers use',
    load: async () => (await import('./commands/feeds.ts')).registerPublish,
  },
  {
    name: 'follow',
    summary: 'follow a publisher feed: vouch serve fetches, verifies and starts each new release',
    load: async () => (await import('./commands/feeds.ts')).registerFollow,
  },
  {
    name: 'feeds',
    summary: 'the feeds you follow',
    load: async () => (await import('./commands/feeds.ts')).registerFeeds,
  },
]

/** Root options that take a value, so the word after them is not the command's name. */
const ROOT_OPTIONS_WITH_VALUE = new Set(['--home'])

/** The command ARGV runs (`vouch help NAME` asks about NAME), or undefined for the root alone. */
export function commandNameIn(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? ''
    if (arg === '--') return argv[index + 1]
    if (ROOT_OPTIONS_WITH_VALUE.has(arg)) index++
    else if (!arg.startsWith('-')) return arg === 'help' ? (argv[index + 1] ?? arg) : arg
  }
  return undefined
}

/**
 * The program with the full declaration (options, subcommands, action) of the commands named in
 * `load` and, for every other command, only its name and summary, enough for `vouch --help` and
 * for commander's "unknown command" suggestions.
 */
export async function buildProgram(load: ReadonlySet<string> = new Set()): Promise<Command> {
  const program = new Command('vouch')
    .description('A BitTorrent client that downloads only what a publisher you trust has signed.')
    .option('--json', 'machine-readable output')
    .option('--home <dir>', 'data directory (default: $VOUCH_HOME or the platform config dir)')
    .version(vouchVersion(), '-V, --version', 'print the version of Vouch')
    .showHelpAfterError()
    .exitOverride()
  for (const entry of COMMANDS) {
    if (load.has(entry.name)) (await entry.load())(program)
    else program.command(entry.name).description(entry.summary)
  }
  return program
}

/** Run the CLI and return the exit status; never throws. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  try {
    const name = commandNameIn(argv)
    const program = await buildProgram(new Set(name === undefined ? [] : [name]))
    await program.parseAsync(argv, { from: 'user' })
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return EXIT.ok
      return EXIT.usage
    }
    if (isVouchError(error)) {
      if (json)
        process.stdout.write(
          `${JSON.stringify({ ok: false, error: { code: error.code, message: error.message, ...error.details } })}\n`,
        )
      process.stderr.write(`vouch: ${error.message}\n`)
      return exitCodeFor(error.code)
    }
    process.stderr.write(`vouch: internal error: ${(error as Error)?.stack ?? String(error)}\n`)
    return EXIT.internal
  }
}
