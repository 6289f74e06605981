import type { Command } from 'commander'
import { readBoundedFile } from '../../bounded-read.ts'
import { VouchError } from '../../errors.ts'
import { MAX_KEY_FILE_BYTES } from '../../provenance/keys.ts'
import { MAX_BLOCKLIST_BYTES } from '../../reputation/blocklist.ts'
import { readVerifyingKey, verifyReport } from '../../reputation/report-signature.ts'
import { globalOptions, report } from '../context.ts'

/** `--key` is key text or a file holding it (a .pub file, a secret key file, an OpenSSH line). */
async function keyText(value: string): Promise<string> {
  try {
    return (await readBoundedFile(value, MAX_KEY_FILE_BYTES, 'key')).toString('utf8')
  } catch (error) {
    if (error instanceof VouchError && error.details.errno !== undefined) return value
    throw error
  }
}

export function registerVerifyReport(program: Command): void {
  program
    .command('verify-report')
    .description('check the signature of a ban report; exit 0 when it holds, 4 when it does not')
    .argument('<file>', 'a report written by vouch bans export --sign')
    .requiredOption('--key <key>', 'the public key the report must be signed by (text or file)')
    .action(async (file: string, flags: { key: string }, command: Command) => {
      const global = globalOptions(command)
      const key = readVerifyingKey(await keyText(flags.key))
      const text = (await readBoundedFile(file, MAX_BLOCKLIST_BYTES, 'report')).toString('utf8')
      const check = verifyReport(text, key.publicKey)
      if (!check.ok)
        throw new VouchError('integrity', `${file}: ${check.message}`, { file, problem: check.problem })
      report(global, `${file}: good ${check.format} report signature by ${key.fingerprint}`, {
        ok: true,
        file,
        format: check.format,
        fingerprint: key.fingerprint,
      })
    })
}
