import { open } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import type { Ban } from '../../defence/ban-store.ts'
import { readBoundedFile } from '../../bounded-read.ts'
import { VouchError } from '../../errors.ts'
import { MAX_BLOCKLIST_BYTES } from '../../reputation/blocklist.ts'
import { banSubject } from '../../reputation/batch-writer.ts'
import {
  importBlocklist,
  MAX_IPV4_PREFIX_WIDTH,
  MAX_IPV6_PREFIX_WIDTH,
  plural,
} from '../../reputation/blocklist-import.ts'
import { describeCover, liftCovering } from '../../reputation/lift-covering.ts'
import { parseCidr, parseIp } from '../../reputation/ip.ts'
import { pseudonymise, pseudonymKey } from '../../reputation/pseudonym.ts'
import { buildReport, isReportFormat, REPORT_FORMATS } from '../../reputation/report.ts'
import { reportPieces, writeReport, type StreamedCounts } from '../../reputation/report-stream.ts'
import { registerFollow } from './follow.ts'
import { registerSubscriptions } from './subscriptions.ts'
import { ChunkedOutput } from '../chunked-output.ts'
import { globalOptions, note, report, withStore } from '../context.ts'

/** How many malformed lines are printed (all of them go into --json output, up to this many too). */
const MALFORMED_SHOWN = 50

function describeBan(ban: Ban): string {
  const expires = ban.expiresAt === null ? 'permanent' : `until ${new Date(ban.expiresAt).toISOString()}`
  const rule = ban.rule
    ? `  [rule ${ban.rule.rule}: ${Object.entries(ban.rule.facts)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')}]`
    : ''
  return `${banSubject(ban).padEnd(33)} ${ban.reason.padEnd(18)} ${ban.source.padEnd(9)} ${expires}${ban.note ? `  ${ban.note}` : ''}${rule}`
}

/** Write a report to `out` (a file, created or truncated) or to stdout, holding back while either is full. */
async function writeOut(out: string | undefined, pieces: Iterable<string>): Promise<void> {
  if (!out) {
    const stdout = new ChunkedOutput(process.stdout)
    for (const piece of pieces) {
      const sending = stdout.write(piece)
      if (sending) await sending
      if (stdout.error) break
    }
    await stdout.end('the report')
    return
  }
  const file = await open(out, 'w')
  try {
    await writeReport(pieces, async (chunk) => {
      await file.write(chunk)
    })
  } finally {
    await file.close()
  }
}

/** A blocklist (gzip allowed): a regular file, read no further than its format's limit. */
function readInput(file: string): Promise<Uint8Array> {
  return readBoundedFile(file, MAX_BLOCKLIST_BYTES, 'blocklist')
}

export function registerBans(program: Command): void {
  const bans = program.command('bans').description('banned addresses: list, export, import, lift')

  bans
    .command('list')
    .description('active bans')
    .action((_flags: unknown, command: Command) => {
      const global = globalOptions(command)
      return withStore(global, (store) => {
        const active = store.list()
        report(global, active.length ? active.map(describeBan).join('\n') : 'no active bans', {
          ok: true,
          bans: active,
        })
      })
    })

  bans
    .command('export')
    .description('write active bans as a report other tools and clients read')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'json')
    .option('--sign <key>', 'sign the report with this secret key file (see vouch keygen)')
    .option('--pseudonymise', 'replace addresses with a keyed hash whose key never leaves HOME (json, csv)')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(
      async (
        flags: { format: string; sign?: string; pseudonymise?: boolean; out?: string },
        command: Command,
      ) => {
        const global = globalOptions(command)
        const format = flags.format
        if (!isReportFormat(format))
          throw new VouchError(
            'usage',
            `--format must be one of ${REPORT_FORMATS.join(', ')}, not '${format}'`,
          )
        if (flags.pseudonymise && (format === 'p2p' || format === 'dat'))
          throw new VouchError(
            'usage',
            `--pseudonymise hides addresses, which a ${format} blocklist needs: use json or csv`,
          )
        // Keys and signing (noble) load only for a signed export.
        const signing = flags.sign
          ? {
              ...(await import('../../provenance/files.ts')),
              ...(await import('../../reputation/report-signature.ts')),
            }
          : undefined
        const key =
          flags.sign && signing
            ? await signing.readSecretKeyFile(flags.sign, {
                insecurePermissions: global.insecureKeyPermissions,
              })
            : undefined
        await withStore(global, async (store) => {
          const hashKey = flags.pseudonymise ? pseudonymKey(global.home) : undefined
          const options = {
            now: Date.now(),
            ...(hashKey ? { pseudonymise: (address: string) => pseudonymise(hashKey, address) } : {}),
          }
          let counts: StreamedCounts
          if (key && signing) {
            // A signature covers the whole text: build it in memory, then sign.
            const built = buildReport(store.list(), format, options)
            counts = built
            await writeOut(flags.out, [signing.signReport(format, built.text, key)])
          } else {
            counts = { included: 0, omitted: 0 }
            const pieces = reportPieces(store.iterateBans(options.now), format, options, counts)
            await writeOut(flags.out, pieces)
          }
          if (counts.omitted)
            note(`${counts.omitted} IPv6 bans left out: the ${format} format holds IPv4 only`)
          if (!flags.out) return
          report(
            global,
            `wrote ${counts.included} bans to ${flags.out}${key ? ` signed by ${key.fingerprint}` : ''}`,
            {
              ok: true,
              out: flags.out,
              format,
              included: counts.included,
              omitted: counts.omitted,
              signedBy: key?.fingerprint ?? null,
            },
          )
        })
      },
    )

  bans
    .command('import')
    .description('ban every range of a blocklist: P2P, DAT, CIDR or plain addresses, gzip too')
    .argument('<file>', 'blocklist file')
    .option(
      '--force',
      `also import entries wider than an IPv4 /${MAX_IPV4_PREFIX_WIDTH} or IPv6 /${MAX_IPV6_PREFIX_WIDTH}, or covering loopback or this machine's addresses`,
    )
    .action(async (file: string, flags: { force?: boolean }, command: Command) => {
      const global = globalOptions(command)
      const bytes = await readInput(file)
      await withStore(global, (store) => {
        const summary = importBlocklist(store, bytes, {
          subject: path.basename(file),
          force: flags.force ?? false,
        })
        const malformed = summary.malformed.slice(0, MALFORMED_SHOWN)
        const refused = summary.refused.slice(0, MALFORMED_SHOWN)
        const lines = [
          `imported ${plural(summary.added.length, 'ban')} from ${file}${summary.alreadyBanned ? ` (${summary.alreadyBanned} already banned)` : ''}`,
          ...(summary.refusedCount
            ? [
                `${plural(summary.refusedCount, 'entry', 'entries')} refused (import them anyway with --force):`,
                ...refused.map(
                  (entry) => `  ${entry.range}${entry.label ? ` ${entry.label}` : ''}: ${entry.message}`,
                ),
              ]
            : []),
          ...(summary.allowed
            ? [`${summary.allowed} DAT entries with access level above 127 (allowed) not banned`]
            : []),
          ...(summary.malformedLines
            ? [
                `${plural(summary.malformedLines, 'malformed line')} skipped:`,
                ...malformed.map((line) => `  line ${line.line}: ${line.reason}: ${line.text}`),
              ]
            : []),
        ]
        report(global, lines.join('\n'), {
          ok: true,
          file,
          imported: summary.added.length,
          alreadyBanned: summary.alreadyBanned,
          allowed: summary.allowed,
          malformedLines: summary.malformedLines,
          malformed,
          refusedCount: summary.refusedCount,
          refused,
        })
      })
    })

  bans
    .command('lift')
    .description('lift the bans on an address, or the ranges that cover it')
    .argument('<address>', 'IPv4 or IPv6 address, or the first address of a range')
    .action((address: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      if (!parseIp(address.replace(/\/64$/, '')) && !parseCidr(address))
        throw new VouchError('bad-input', `'${address}' is not an IP address`)
      return withStore(global, (store) => {
        const { lifted, ranges } = liftCovering(address, (text) => store.lift(text), store)
        if (lifted === 0) throw new VouchError('bad-input', `no active ban on ${address}`, { address })
        store.record({
          type: 'ban.lifted',
          subject: address,
          details: { lifted, by: 'user', ...(ranges.length ? { ranges: ranges.map(describeCover) } : {}) },
        })
        const still = store.banFor(address)
        const through = ranges.length
          ? ` (the range${ranges.length === 1 ? '' : 's'} ${ranges.map(describeCover).join(', ')} covering it)`
          : ''
        report(
          global,
          `lifted ${plural(lifted, 'ban')} on ${address}${through}${still ? `; still banned by ${describeBan(still)}` : ''}`,
          { ok: true, address, lifted, ranges: ranges.map(describeCover), stillBannedBy: still ?? null },
        )
      })
    })

  registerSubscriptions(bans)
  registerFollow(bans)
}
