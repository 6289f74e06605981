/**
 * `vouch events [--follow] [--since TIME]`: every event as NDJSON (docs/events.md). Without
 * --follow, the audit log of HOME (read-only, so it works while `serve` runs); with it, the live
 * stream of the running serve (found through HOME/serve.json), after the log since TIME if given.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { Command } from 'commander'
import { auditEntry } from '../../api/audit-feed.ts'
import type { EventMessage } from '../../api/contract.ts'
import { connectApi } from '../../api/websocket-client.ts'
import { VouchError } from '../../errors.ts'
import { auditRows } from '../../reputation/audit-log.ts'
import { STORE_FILE } from '../../reputation/store.ts'
import { readAdvertisement } from '../../server/advertisement.ts'
import { auditRecord, liveRecord, parseSince, type EventRecord } from '../event-records.ts'
import { globalOptions, note } from '../context.ts'

interface EventsFlags {
  follow?: boolean
  since?: string
}

function print(record: EventRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`)
}

/** Print the audit log's entries at or after `since`; returns the last seq printed (or the head). */
function printHistory(home: string, since: number | null): number {
  const file = path.join(home, STORE_FILE)
  if (!existsSync(file)) return 0
  let db: DatabaseSync
  try {
    db = new DatabaseSync(file, { readOnly: true, timeout: 5000 })
  } catch (error) {
    throw new VouchError('bad-input', `cannot open the reputation store ${file}: ${(error as Error).message}`)
  }
  try {
    const head = (db.prepare('SELECT MAX(seq) AS seq FROM audit').get() as { seq: number | null }).seq ?? 0
    if (since === null) return head
    const first = db.prepare('SELECT MIN(seq) AS seq FROM audit WHERE at >= ?').get(since) as {
      seq: number | null
    }
    if (first.seq === null) return head
    let last = head
    for (const row of auditRows(db, first.seq)) {
      if (row.seq > head) break
      print(auditRecord(auditEntry(row)))
      last = row.seq
    }
    return last
  } finally {
    db.close()
  }
}

async function follow(home: string, since: number | null): Promise<void> {
  const advertisement = await readAdvertisement(home)
  const api = await connectApi(advertisement.api, advertisement.token)
  // Subscribed before the log is read: nothing committed in between is lost, and `seq` drops
  // what the log already printed.
  const early: [EventMessage, number][] = []
  let printedSeq: number | null = null
  const onEvent = (message: EventMessage, at: number) => {
    const record = liveRecord(message, at)
    if (!record) return
    if (record.seq !== null && printedSeq !== null && record.seq <= printedSeq) return
    print(record)
  }
  const stop = api.onEvent((message) => {
    if (printedSeq === null) early.push([message, Date.now()])
    else onEvent(message, Date.now())
  })
  try {
    printedSeq = printHistory(home, since)
    for (const [message, at] of early.splice(0)) onEvent(message, at)
    note(`vouch events: following ${advertisement.api} (serve pid ${advertisement.pid})`)
    const signal = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    const ended = await Promise.race([api.closed.then(() => 'the server closed the connection'), signal])
    note(`vouch events: stopped (${ended})`)
  } finally {
    stop()
    api.close()
  }
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description(
      'print every event as NDJSON: the audit log, and with --follow the live events of vouch serve',
    )
    .option('--follow', 'keep printing live events from the running vouch serve of this home')
    .option('--since <time>', 'start at this ISO 8601 time, or this long ago (90s, 15m, 2h, 7d)')
    .action(async (flags: EventsFlags, command: Command) => {
      const global = globalOptions(command)
      const since = flags.since === undefined ? null : parseSince(flags.since, Date.now())
      if (flags.since !== undefined && since === null) {
        throw new VouchError(
          'usage',
          `--since must be an ISO 8601 time (2026-12-01T10:00:00Z) or a duration ago (15m, 2h, 7d), not '${flags.since}'`,
        )
      }
      process.stdout.on('error', () => process.exit(0)) // a closed pipe (| head) ends the stream
      if (flags.follow) await follow(global.home, since)
      else printHistory(global.home, since ?? 0)
    })
}
