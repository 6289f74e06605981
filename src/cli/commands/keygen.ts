import path from 'node:path'
import type { Command } from 'commander'
import { writeKeyFiles } from '../../provenance/files.ts'
import { formatPublicKey, generateKey } from '../../provenance/keys.ts'
import { globalOptions, report } from '../context.ts'

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('make a new publisher key: KEY (secret, mode 0600) and KEY.pub')
    .requiredOption('--out <file>', 'where to write the secret key (never overwritten)')
    .action(async (flags: { out: string }, command: Command) => {
      const global = globalOptions(command)
      const key = generateKey()
      const publicFile = await writeKeyFiles(flags.out, key)
      const publicKey = formatPublicKey(key.publicKey)
      report(
        global,
        [
          `secret key  ${flags.out} (keep it secret; mode 0600)`,
          `public key  ${publicFile}`,
          `fingerprint ${key.fingerprint}`,
          publicKey,
          '',
          `Others pin it with: vouch trust add ${path.basename(publicFile)} --name LABEL`,
        ].join('\n'),
        { ok: true, fingerprint: key.fingerprint, publicKey, keyFile: flags.out, publicKeyFile: publicFile },
      )
    })
}
