/** Issue 11's CLI fixes, run as a user runs them: `npx vouch` and bin/vouch.js in child processes. */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT, QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { adversary, behaviours } from '../kit/adversaries.ts'
import { makePayload, Swarm, tempDir } from '../kit/swarm.ts'

const VERSION = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version

/** Debian's own Node, older than 24, if this machine has one. */
const SYSTEM_NODE = '/usr/bin/node'
const systemNodeIsOld =
  existsSync(SYSTEM_NODE) &&
  Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) <
    24

describe('the vouch command', () => {
  it('prints its version for --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runVouch([flag])
      expect(result, flag).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
    }
  })

  it('exports bans as JSON when no --format is given', async () => {
    const home = await tempDir('vouch-home-')
    const result = await runVouch(['--home', home, 'bans', 'export'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ bans: [] })
  })

  it('refuses a local unsigned .torrent before the engine opens: exit 3, audited, no socket', async () => {
    const home = await tempDir('vouch-home-')
    const payload = await makePayload({ bytes: 64 * 1024 })
    // The peer port is taken: an engine that opened at all would fail to listen (exit 5).
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, () => resolve()))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const started = Date.now()
      const result = await runVouch([
        '--home',
        home,
        'get',
        payload.torrentPath,
        '--port',
        String(port),
        ...QUIET_FLAGS,
      ])
      expect(result.code, result.stderr).toBe(3)
      expect(result.stderr).toContain('pass --allow-unsigned to download it anyway')
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      blocker.close()
    }
    const audit = await runVouch(['--home', home, 'audit', 'export'])
    expect(audit.stdout).toContain('provenance.refused')
  })

  it('prints a ban while get runs: the poisoner’s address and why', async () => {
    const swarm = new Swarm()
    try {
      const payload = await swarm.payload({ bytes: 512 * 1024 })
      const honest = await swarm.seeder(payload)
      const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
      const home = await swarm.tempDir('vouch-home-')
      const result = await runVouch(
        [
          '--home',
          home,
          'get',
          payload.torrentPath,
          '--allow-unsigned',
          '--peer',
          poisoner.address,
          '--peer',
          honest.address,
          '--out',
          await swarm.tempDir(),
          ...QUIET_FLAGS,
        ],
        { timeoutMs: 60_000 },
      )
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr).toMatch(
        new RegExp(`banned ${poisoner.host.replaceAll('.', '\\.')}: (poisoned-block|sole-contributor)`),
      )
      expect(result.stderr).not.toContain(`banned ${honest.host}:`)
    } finally {
      await swarm.close()
    }
  })

  it('runs through npx without npm’s EBADENGINE warning', () => {
    const result = spawnSync('npx', ['vouch', '--version'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(result.status).toBe(0)
    expect(result.stdout.trim()).toBe(VERSION)
    expect(result.stderr).not.toContain('EBADENGINE')
  })

  it.skipIf(!systemNodeIsOld)('still refuses to run on a Node older than 24, with a clear message', () => {
    const result = spawnSync(SYSTEM_NODE, [path.join(PROJECT_ROOT, 'bin', 'vouch.js'), '--version'], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(result.status).toBe(70)
    expect(result.stderr).toMatch(/too old; Vouch needs Node 24/)
  })
})
