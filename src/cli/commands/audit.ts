import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { readBoundedFile } from '../../bounded-read.ts'
import { readSecretKeyFile } from '../../provenance/files.ts'
import { MAX_KEY_FILE_BYTES, parseAnyPublicKey } from '../../provenance/keys.ts'
import {
  MAX_CHECKPOINT_BYTES,
  matchCheckpoint,
  readCheckpoint,
  signCheckpoint,
} from '../../reputation/audit-checkpoint.ts'
import { auditEventAt, auditExportLine, auditRows, verifyAuditLog } from '../../reputation/audit-log.ts'
import { currentCheckpoint } from '../../reputation/checkpoint-writer.ts'
import { globalOptions, note, report, withStore } from '../context.ts'

async function writeLines(out: string | undefined, lines: Iterable<string>): Promise<number> {
  const stream = out ? createWriteStream(out) : process.stdout
  let count = 0
  for (const line of lines) {
    count++
    if (!stream.write(line)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()))
  }
  if (out)
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    )
  return count
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log')

  audit
    .command('verify')
    .description('check the hash chain; exit 4 and name the first bad event when it is broken')
    .option('--checkpoint <file>', 'also prove no event up to this signed checkpoint was removed or changed')
    .option('--key <file>', 'the public key (or key file) the checkpoint must be signed by')
    .action(async (flags: { checkpoint?: string; key?: string }, command: Command) => {
      const global = globalOptions(command)
      if (flags.checkpoint && !flags.key)
        throw new VouchError('usage', '--checkpoint needs --key: the public key that signed the checkpoint')
      const checkpoint = flags.checkpoint
        ? await readSignedCheckpoint(flags.checkpoint, flags.key ?? '')
        : undefined
      await withStore(global, (store) => {
        store.flush()
        const result = verifyAuditLog(store.database)
        if (!result.ok) {
          throw new VouchError('integrity', `audit log broken: ${result.message}`, {
            badSeq: result.badSeq,
            problem: result.problem,
            eventsChecked: result.events,
          })
        }
        if (checkpoint) {
          const match = matchCheckpoint(checkpoint, (seq) => auditEventAt(store.database, seq))
          if (!match.ok)
            throw new VouchError('integrity', `audit log broken: ${match.message}`, {
              badSeq: match.badSeq,
              problem: match.problem,
              checkpoint: flags.checkpoint,
            })
        }
        const against = checkpoint ? `; it holds the ${checkpoint.size} events of ${flags.checkpoint}` : ''
        report(
          global,
          result.head
            ? `audit log intact: ${result.events} events, head #${result.head.seq} ${result.head.hash}${against}`
            : `audit log intact: no events yet${against}`,
          { ok: true, events: result.events, head: result.head, checkpoint: checkpoint ?? null },
        )
      })
    })

  audit
    .command('checkpoint')
    .description('write a signed checkpoint of the audit chain (size and head hash); keep it elsewhere')
    .requiredOption('--sign <key>', 'your secret key file (vouch keygen)')
    .requiredOption('--out <file>', 'the checkpoint file to write (never replaced)')
    .action(async (flags: { sign: string; out: string }, command: Command) => {
      const global = globalOptions(command)
      const key = await readSecretKeyFile(flags.sign, { insecurePermissions: global.insecureKeyPermissions })
      await withStore(global, async (store) => {
        const checkpoint = currentCheckpoint(store)
        try {
          await writeFile(flags.out, signCheckpoint(checkpoint, key), { flag: 'wx', mode: 0o600 })
        } catch (error) {
          throw new VouchError(
            'bad-input',
            `cannot write ${flags.out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
            { out: flags.out },
          )
        }
        report(
          global,
          `wrote a checkpoint of ${checkpoint.size} events (head ${checkpoint.headHash}) signed by ${key.fingerprint} to ${flags.out}`,
          { ok: true, out: flags.out, ...checkpoint, signedBy: key.fingerprint },
        )
      })
    })

  audit
    .command('export')
    .description('write the audit log as JSON lines (stdout unless --out)')
    .option('--out <file>', 'write to this file')
    .action(async (flags: { out?: string }, command: Command) => {
      const global = globalOptions(command)
      await withStore(global, async (store) => {
        store.flush()
        const count = await writeLines(
          flags.out,
          (function* () {
            for (const row of auditRows(store.database)) yield auditExportLine(row)
          })(),
        )
        if (flags.out)
          report(global, `wrote ${count} events to ${flags.out}`, { ok: true, events: count, out: flags.out })
        else note(`${count} events`)
      })
    })
}

/** `--key` is a file (a .pub file, a secret key file, an OpenSSH line) or the key's text. */
async function publicKeyFrom(value: string) {
  const text = await readBoundedFile(value, MAX_KEY_FILE_BYTES, 'key').then(
    (bytes) => bytes.toString('utf8'),
    (error: unknown) => {
      if (error instanceof VouchError && error.details.errno !== undefined) return value
      throw error
    },
  )
  return parseAnyPublicKey(text)
}

async function readSignedCheckpoint(file: string, keyArgument: string) {
  const key = await publicKeyFrom(keyArgument)
  const text = (await readBoundedFile(file, MAX_CHECKPOINT_BYTES, 'checkpoint')).toString('utf8')
  const read = readCheckpoint(text, key)
  if (!read.ok) {
    if (read.problem === 'malformed')
      throw new VouchError('bad-input', `${file}: not a checkpoint: ${read.message}`)
    throw new VouchError('integrity', `${file}: ${read.message}`, { problem: read.problem })
  }
  return read.checkpoint
}
