import { execFileSync } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { beforeAll, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { makePayload, tempDir } from '../kit/swarm.ts'

/** Every file argument: a FIFO (would block forever), /dev/zero (never ends), a directory. */
describe('files Vouch is told to read must be regular files, read within their format’s limit', () => {
  let home: string
  let fifo: string
  let dir: string
  let torrent: string
  let key: string
  let zero: string
  let bigRules: string
  let bigToken: string
  const vouch = (...args: string[]) => runVouch(['--home', home, ...args], { timeoutMs: 20_000 })

  beforeAll(async () => {
    home = await tempDir('vouch-bounded-home-')
    const work = await tempDir('vouch-bounded-work-')
    fifo = path.join(work, 'pipe')
    execFileSync('mkfifo', [fifo])
    dir = path.join(work, 'a-directory')
    await mkdir(dir)
    torrent = (await makePayload({ bytes: 16 * 1024 })).torrentPath
    key = path.join(work, 'big.key')
    await writeFile(key, Buffer.alloc(64 * 1024, 'a'), { mode: 0o600 })
    zero = path.join(work, 'zero.json')
    await symlink('/dev/zero', zero)
    // Valid, and read whole before: a rules file over 1 MiB, a token file over 16 KiB.
    bigRules = path.join(work, 'big-rules.json')
    await writeFile(bigRules, `{"version": 1}${' '.repeat(2 * 1024 * 1024)}`)
    bigToken = path.join(work, 'big.token')
    await writeFile(bigToken, `${'t'.repeat(32)}\n${'#'.repeat(32 * 1024)}\n`, { mode: 0o600 })
  })

  const cases: [string, () => string[], RegExp][] = [
    ['sign --key FIFO', () => ['sign', torrent, '--key', fifo], /pipe is a FIFO, not a secret key file/],
    ['sign --key /dev/zero', () => ['sign', torrent, '--key', '/dev/zero'], /\/dev\/zero is a device/],
    ['sign --key DIR', () => ['sign', torrent, '--key', dir], /a-directory is a directory/],
    ['sign --key (64 KiB)', () => ['sign', torrent, '--key', key], /larger than 16384 bytes/],
    [
      'bans import /dev/zero',
      () => ['bans', 'import', '/dev/zero'],
      /\/dev\/zero is a device, not a blocklist file/,
    ],
    ['bans import FIFO', () => ['bans', 'import', fifo], /is a FIFO/],
    ['trust add FIFO', () => ['trust', 'add', fifo, '--name', 'x'], /is a FIFO/],
    ['verify FIFO', () => ['verify', fifo], /is a FIFO, not a \.torrent file/],
    ['verify DIR', () => ['verify', dir], /is a directory, not a \.torrent file/],
    ['rules test FIFO', () => ['rules', 'test', fifo], /pipe is a FIFO, not a rules file/],
    ['rules test → /dev/zero', () => ['rules', 'test', zero], /zero\.json is a device, not a rules file/],
    [
      'rules test (2 MiB)',
      () => ['rules', 'test', bigRules],
      /big-rules\.json is larger than 1048576 bytes, the limit for a rules file/,
    ],
    [
      'serve --metrics-token-file → /dev/zero',
      () => ['serve', ...QUIET_FLAGS, '--metrics-port', '0', '--metrics-token-file', zero],
      /zero\.json is a device, not a metrics token file/,
    ],
    [
      'serve --metrics-token-file (32 KiB)',
      () => ['serve', ...QUIET_FLAGS, '--metrics-port', '0', '--metrics-token-file', bigToken],
      /big\.token is larger than 16384 bytes, the limit for a metrics token file/,
    ],
  ]
  it.each(cases)('%s exits 2 at once, naming the file', async (_name, args, message) => {
    const started = Date.now()
    const result = await vouch(...args())
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('a trust store that is a FIFO is refused, not waited on', async () => {
    const fifoHome = await tempDir('vouch-bounded-fifo-home-')
    execFileSync('mkfifo', [path.join(fifoHome, 'trust.json')])
    const result = await runVouch(['--home', fifoHome, 'trust', 'list'], { timeoutMs: 20_000 })
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(/trust\.json is a FIFO/)
  })

  it('a HOME/rules.json that is huge, a FIFO or /dev/zero is refused, naming it', async () => {
    const cases: [string, (file: string) => Promise<unknown>, RegExp][] = [
      [
        'huge',
        (file) => writeFile(file, `{"version": 1}${' '.repeat(2 * 1024 * 1024)}`),
        /larger than 1048576 bytes/,
      ],
      ['a FIFO', async (file) => execFileSync('mkfifo', [file]), /is a FIFO, not a rules file/],
      ['/dev/zero', (file) => symlink('/dev/zero', file), /is a device, not a rules file/],
    ]
    for (const [what, make, message] of cases) {
      const rulesHome = await tempDir('vouch-bounded-rules-home-')
      await make(path.join(rulesHome, 'rules.json'))
      const result = await runVouch(['--home', rulesHome, 'rules', 'test'], { timeoutMs: 20_000 })
      expect(result.code, `${what}: ${result.stderr}`).toBe(2)
      expect(result.stderr, what).toMatch(/rules\.json/)
      expect(result.stderr, what).toMatch(message)
    }
  })

  it('a vouch.db with another program’s schema exits 2 with a clear message (it exited 70)', async () => {
    const foreignHome = await tempDir('vouch-foreign-home-')
    const db = new DatabaseSync(path.join(foreignHome, 'vouch.db'))
    db.exec('CREATE TABLE peers (x)')
    db.close()
    const result = await runVouch(['--home', foreignHome, 'bans', 'list'], { timeoutMs: 20_000 })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/not a Vouch store/)
  })
})
