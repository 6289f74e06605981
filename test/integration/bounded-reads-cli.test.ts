import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { beforeAll, describe, expect, it } from 'vitest'
import { runVouch } from '../kit/cli.ts'
import { makePayload, tempDir } from '../kit/swarm.ts'

/** Every file argument: a FIFO (would block forever), /dev/zero (never ends), a directory. */
describe('files Vouch is told to read must be regular files, read within their format’s limit', () => {
  let home: string
  let fifo: string
  let dir: string
  let torrent: string
  let key: string
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
