import { createWriteStream } from 'node:fs'
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { auditExportLine, auditRows, verifyAuditLog } from '../../reputation/audit-log.ts'
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
    .action((_flags: unknown, command: Command) => {
      const global = globalOptions(command)
      return withStore(global, (store) => {
        const result = verifyAuditLog(store.database)
        if (!result.ok) {
          throw new VouchError('integrity', `audit log broken: ${result.message}`, {
            badSeq: result.badSeq,
            problem: result.problem,
            eventsChecked: result.events,
          })
        }
        report(
          global,
          result.head
            ? `audit log intact: ${result.events} events, head #${result.head.seq} ${result.head.hash}`
            : 'audit log intact: no events yet',
          { ok: true, events: result.events, head: result.head },
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
