import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { openBackend } from '../../src/api/backend.ts'
import type { CommandName, CommandResponse, RulesView } from '../../src/api/contract.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { ObservationLog } from '../../src/reputation/observations.ts'
import { QUIET_CLIENT, Swarm } from '../kit/swarm.ts'

describe('rules.get, rules.set and rules.test through the dispatcher', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  async function backend() {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-home-')
    const opened = await openBackend({ engine: { ...QUIET_CLIENT, home, resume: false }, version: 'test' })
    swarm.defer(() => opened.close())
    const call = (command: CommandName, args: unknown = {}): Promise<CommandResponse> =>
      opened.service.dispatcher.dispatch({ command, args })
    return { opened, call, home }
  }

  it('shows the defaults, refuses a wrong field by name, saves, applies live and audits', async () => {
    const { opened, call } = await backend()
    const first = await call('rules.get')
    expect(first).toMatchObject({ ok: true, result: { isDefault: true } })
    if (!first.ok) return
    expect(JSON.parse((first.result as RulesView).text)).toMatchObject({
      version: 1,
      multiDial: { maxConnections: 8 },
    })

    const wrong = await call('rules.set', { text: '{"version":1,"multiDial":{"maxConnections":"many"}}' })
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    expect(wrong.ok ? '' : wrong.error.message).toContain('multiDial.maxConnections')

    const text = '{"version":1,"multiDial":{"maxConnections":3}}'
    const saved = await call('rules.set', { text })
    expect(saved).toMatchObject({ ok: true, result: { isDefault: false } })
    if (!saved.ok) return
    expect(await readFile((saved.result as RulesView).file, 'utf8')).toBe(`${text}\n`)
    expect(opened.reputation.rules?.rules.multiDial.maxConnections).toBe(3)
    opened.reputation.store.flush()
    expect([...auditRows(opened.reputation.store.database)].map((row) => row.type)).toContain('rules.changed')
  })

  it('dry-runs recorded observations with the saved rules or with rules given inline', async () => {
    const { opened, call } = await backend()
    const log = new ObservationLog(opened.reputation.store.database)
    log.record({
      address: '192.0.2.9',
      infoHash: 'b'.repeat(40),
      peerIds: [],
      clients: [],
      torrentLength: 10 * 1024 * 1024,
      pieceLength: 1024 * 1024,
      bytesUploaded: 40 * 1024 * 1024,
      distinctPeerIds: 1,
      requests: 100,
      aheadPieces: 0,
      claimedRequests: 0,
      rewindPieces: 0,
      groupConnections: 1,
      idleMs: 0,
      firstSeen: 1,
      lastSeen: 2,
    })
    log.flush()
    const saved = await call('rules.test')
    expect(saved).toMatchObject({
      ok: true,
      result: {
        observations: 1,
        findings: [{ address: '192.0.2.9', outcome: 'ban', reason: 'progress-cheat' }],
      },
    })
    const lenient = await call('rules.test', { text: '{"version":1,"progress":{"maxDownloadRatio":5}}' })
    expect(lenient).toMatchObject({ ok: true, result: { findings: [] } })
    const broken = await call('rules.test', { text: 'not json' })
    expect(broken).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })
})
