import { execFileSync } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Ban } from '../../src/defence/ban-store.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { openReputation, type Reputation } from '../../src/reputation/wiring.ts'
import { parseRules, RULES_FILE } from '../../src/rules/config.ts'
import { BanHooks, type HookRun } from '../../src/rules/hooks.ts'
import { tempDir } from '../kit/swarm.ts'

/** A real script: appends each argument it got on its own line, then `---`. */
async function recorder(dir: string): Promise<string> {
  const script = path.join(dir, 'record.sh')
  await writeFile(
    script,
    '#!/bin/sh\nout="$1"\nshift\nfor arg in "$@"; do printf "%s\\n" "$arg"; done >> "$out"\necho --- >> "$out"\n',
  )
  await chmod(script, 0o755)
  return script
}

function ban(fields: Partial<Ban> = {}): Ban {
  return {
    address: '198.51.100.9',
    rangeEnd: null,
    reason: 'progress-cheat',
    source: 'automatic',
    evidence: null,
    rule: { rule: 'progress', kind: 'progress-ahead', infoHash: 'd'.repeat(40), facts: {} },
    note: '',
    createdAt: Date.now(),
    expiresAt: Date.UTC(2030, 0, 1),
    ...fields,
  }
}

describe('ban and lift hooks', () => {
  const opened: Reputation[] = []
  afterEach(() => opened.splice(0).forEach((reputation) => reputation.close()))

  it('runs the configured commands with address, reason, torrent and expiry as separate arguments, never through a shell', async () => {
    const home = await tempDir('vouch-home-')
    const script = await recorder(home)
    const banLog = path.join(home, 'bans.log')
    const liftLog = path.join(home, 'lifts.log')
    const shellBait = path.join(home, 'pwned')
    await writeFile(
      path.join(home, RULES_FILE),
      JSON.stringify({
        version: 1,
        hooks: {
          onBan: { command: script, args: [banLog, `$(touch ${shellBait})`] },
          onLift: { command: script, args: [liftLog] },
        },
      }),
    )
    const reputation = await openReputation(home)
    opened.push(reputation)
    reputation.store.add(ban())
    // A range from a blocklist is not one address: no hook.
    reputation.store.add(ban({ address: '203.0.113.0', rangeEnd: '203.0.113.255', reason: 'imported' }))
    await vi.waitFor(async () => expect(await readFile(banLog, 'utf8')).toContain('---'), { timeout: 5000 })
    expect((await readFile(banLog, 'utf8')).split('\n')).toEqual([
      `$(touch ${shellBait})`,
      '198.51.100.9',
      'progress-cheat',
      'd'.repeat(40),
      '2030-01-01T00:00:00.000Z',
      '---',
      '',
    ])
    await expect(readFile(shellBait)).rejects.toThrow(/ENOENT/)

    reputation.store.lift('198.51.100.9')
    await vi.waitFor(
      async () => expect(await readFile(liftLog, 'utf8')).toBe('198.51.100.9\nlifted\n-\n-\n---\n'),
      {
        timeout: 5000,
      },
    )
  })

  it('kills a hook that outlives its time limit, and audits it', async () => {
    const home = await tempDir('vouch-home-')
    const sleeper = path.join(home, 'sleep.sh')
    await writeFile(sleeper, '#!/bin/sh\nsleep 30.4711\n')
    await chmod(sleeper, 0o755)
    const runs: HookRun[] = []
    const hooks = new BanHooks(
      parseRules({ version: 1, hooks: { onBan: { command: sleeper }, timeoutMs: 300 } }).hooks,
      (run) => runs.push(run),
    )
    const started = Date.now()
    hooks.banned(ban())
    await hooks.settled()
    expect(Date.now() - started).toBeLessThan(5000)
    // The script's own child went with it.
    await vi.waitFor(
      () => expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sleep 30.4711'),
      { timeout: 2000 },
    )
    expect(runs).toEqual([
      expect.objectContaining({
        outcome: 'timed-out',
        message: expect.stringContaining('killed after 300 ms'),
      }),
    ])

    // Through the store: the failure lands in the audit log.
    await writeFile(
      path.join(home, RULES_FILE),
      JSON.stringify({ version: 1, hooks: { onBan: { command: sleeper }, timeoutMs: 200 } }),
    )
    const reputation = await openReputation(home)
    opened.push(reputation)
    reputation.store.add(ban())
    await vi.waitFor(
      () => {
        reputation.store.flush()
        expect([...auditRows(reputation.store.database)].map((row) => row.type)).toContain('hook.failed')
      },
      { timeout: 5000 },
    )
  })
})
