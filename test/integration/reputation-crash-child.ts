/**
 * Child for reputation-crash.test.ts: writes audit events, bans and peer counters through the
 * reputation store as fast as it can, and after every commit prints what is now durable:
 * `ack RUN LAST_EVENT LAST_BAN PIECES`. The parent kills it with SIGKILL at a random moment.
 */
import { ReputationStore } from '../../src/reputation/store.ts'

const [file, runText] = process.argv.slice(2)
if (!file || !runText) throw new Error('usage: reputation-crash-child.ts DB RUN')
const run = Number(runText)
const store = ReputationStore.open(file)

const queued: { kind: 'event' | 'ban'; index: number }[] = []
let events = 0
let bans = 0
let pieces = 0
let ackedEvent = -1
let ackedBan = -1

store.onCommit(({ items }) => {
  for (const item of queued.splice(0, items)) {
    if (item.kind === 'event') ackedEvent = item.index
    else ackedBan = item.index
  }
  // Commits are synchronous and single-threaded: every counter recorded so far was in this one.
  process.stdout.write(`ack ${run} ${ackedEvent} ${ackedBan} ${pieces}\n`)
})

function burst(): void {
  for (let k = 0; k < 50; k++) {
    // Queue the bookkeeping first: a full queue makes the store commit inside the call.
    queued.push({ kind: 'event', index: events })
    store.record({ type: 'provenance.accepted', subject: `r${run}-e${events}`, details: { run, i: events } })
    events++
    pieces++
    store.recordContribution('127.0.0.2', { piecesGood: 1, bytesGood: 16384 })
    if (events % 10 === 0) {
      queued.push({ kind: 'ban', index: bans })
      store.add({
        address: `10.${run}.${(bans >> 8) & 255}.${bans & 255}`,
        rangeEnd: null,
        reason: 'poisoned-block',
        source: 'automatic',
        evidence: null,
        note: `run ${run}`,
        createdAt: Date.now(),
        expiresAt: null,
      })
      bans++
    }
  }
  setImmediate(burst)
}
burst()
