import { spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { verifyAuditLog } from '../../src/reputation/audit-log.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { tempDir, withTimeout } from '../kit/swarm.ts'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reputation-crash-child.ts')
const KILLS = 20

interface Ack {
  event: number
  ban: number
  pieces: number
}

/**
 * Run the writer, SIGKILL it `afterMs` after it starts or after its first commit, and return the
 * last commit it acknowledged.
 */
async function writeUntilKilled(
  file: string,
  run: number,
  kill: { afterMs: number; countFrom: 'start' | 'first-ack' },
): Promise<Ack | null> {
  const child = spawn(process.execPath, [CHILD, file, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let last: Ack | null = null
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let timer: NodeJS.Timeout | undefined
  const arm = () => (timer ??= setTimeout(() => child.kill('SIGKILL'), kill.afterMs))
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, runText, event, ban, pieces] = line.split(' ')
    if (word !== 'ack' || Number(runText) !== run) return
    last = { event: Number(event), ban: Number(ban), pieces: Number(pieces) }
    arm()
  })
  if (kill.countFrom === 'start') arm()
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('close', (code, signal) => resolve(signal ?? code)),
  )
  try {
    const how = await withTimeout(exited, 10_000, `writer run ${run} to die`)
    expect(how, `run ${run} ended on its own: ${stderr}`).toBe('SIGKILL')
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  return last
}

describe('the reputation store under SIGKILL', () => {
  it(`loses no acknowledged write and keeps the audit chain intact across ${KILLS} kills at random moments`, async () => {
    const file = path.join(await tempDir('vouch-crash-'), 'vouch.db')
    let piecesAcked = 0
    let runsWithAcks = 0
    const delays: string[] = []
    for (let run = 1; run <= KILLS; run++) {
      // Most kills land while the writer is committing; every fourth counts from process start
      // instead, so some land before the first commit, even while the store is being opened.
      const kill = {
        afterMs: Math.round(Math.random() * 150),
        countFrom: run % 4 === 0 ? ('start' as const) : ('first-ack' as const),
      }
      delays.push(`${kill.countFrom}+${kill.afterMs}`)
      const ack = await writeUntilKilled(file, run, kill)
      const context = `run ${run}, killed ${kill.afterMs} ms after ${kill.countFrom} (so far ${delays.join(',')})`

      const store = ReputationStore.open(file)
      try {
        const verification = verifyAuditLog(store.database)
        expect(verification.ok, `${context}: ${JSON.stringify(verification)}`).toBe(true)
        if (!ack) continue
        runsWithAcks++
        const subjects = new Set(
          (
            store.database.prepare('SELECT subject FROM audit WHERE subject LIKE ?').all(`r${run}-e%`) as {
              subject: string
            }[]
          ).map((row) => row.subject),
        )
        for (let i = 0; i <= ack.event; i++)
          expect(subjects.has(`r${run}-e${i}`), `${context}: event ${i}`).toBe(true)
        for (let i = 0; i <= ack.ban; i++) {
          const address = `10.${run}.${(i >> 8) & 255}.${i & 255}`
          expect(store.banFor(address), `${context}: ban ${address}`).toBeDefined()
        }
        piecesAcked += ack.pieces
        const peer = store.peers({ address: '127.0.0.2' })[0]
        expect(peer?.piecesGood ?? 0, context).toBeGreaterThanOrEqual(piecesAcked)
      } finally {
        store.close()
      }
    }
    // The test means something only if most kills interrupted a writer that had committed.
    expect(runsWithAcks, `kills ${delays.join(',')}`).toBeGreaterThanOrEqual(KILLS / 2)
  }, 60_000)
})
