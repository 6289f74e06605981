import { Command, CommanderError } from 'commander'
import { isVouchError } from '../errors.ts'
import { registerCreate } from './commands/create.ts'
import { registerGet } from './commands/get.ts'
import { registerSeed } from './commands/seed.ts'
import { registerKeygen } from './commands/keygen.ts'
import { registerMagnet } from './commands/magnet.ts'
import { registerSign } from './commands/sign.ts'
import { registerTrust } from './commands/trust.ts'
import { registerVerify } from './commands/verify.ts'
import { registerAudit } from './commands/audit.ts'
import { registerBans } from './commands/bans.ts'
import { registerPeers } from './commands/peers.ts'
import { registerVerifyReport } from './commands/report.ts'
import { registerServe } from './commands/serve.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'

export function buildProgram(): Command {
  const program = new Command('vouch')
    .description('A BitTorrent client that downloads only what a publisher you trust has signed.')
    .option('--json', 'machine-readable output')
    .option('--home <dir>', 'data directory (default: $VOUCH_HOME or the platform config dir)')
    .option('--insecure-key-permissions', 'use a secret key file other users can read (refused otherwise)')
    .showHelpAfterError()
    .exitOverride()
  for (const register of [
    registerCreate,
    registerGet,
    registerSeed,
    registerKeygen,
    registerSign,
    registerVerify,
    registerMagnet,
    registerTrust,
    registerServe,
    registerPeers,
    registerBans,
    registerAudit,
    registerVerifyReport,
  ])
    register(program)
  return program
}

/** Run the CLI and return the exit status; never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  const json = argv.includes('--json')
  try {
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
