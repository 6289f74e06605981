import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { openBackend } from '../../src/api/backend.ts'
import type { CommandName, CommandResponse, RulesView } from '../../src/api/contract.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { ObservationLog } from '../../src/reputation/observations.ts'
import { nextLoopbackAddress, QUIET_CLIENT, Swarm } from '../kit/swarm.ts'

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

  it('subscriptions.add fetches the list at once, subscriptions.list shows it, subscriptions.remove lifts its bans', async () => {
    const { opened, call } = await backend()
    const host = nextLoopbackAddress()
    const server = createServer((_request, response) => response.end('Example:198.51.100.0-198.51.100.255\n'))
    await new Promise<void>((resolve) => server.listen(0, host, resolve))
    swarm.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://${host}:${(server.address() as AddressInfo).port}/list.p2p`
    expect(await call('subscriptions.add', { url, everyMs: 3_600_000 })).toMatchObject({
      ok: true,
      result: { url, entries: 1, error: null },
    })
    expect(opened.reputation.store.banFor('198.51.100.40')?.reason).toBe('imported')
    expect(await call('subscriptions.list')).toMatchObject({
      ok: true,
      result: [{ url, everyMs: 3_600_000 }],
    })
    expect(await call('subscriptions.add', { url: 'ftp://example.org/x' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    })
    expect(await call('subscriptions.remove', { url })).toEqual({
      ok: true,
      result: { removed: true, lifted: 1 },
    })
    expect(opened.reputation.store.banFor('198.51.100.40')).toBeUndefined()
  })
})
