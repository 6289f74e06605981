/** Issue 11's CLI fixes, run as a user runs them: `npx vouch` and bin/vouch.js in child processes. */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runVouch } from '../kit/cli.ts'
import { tempDir } from '../kit/swarm.ts'

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
