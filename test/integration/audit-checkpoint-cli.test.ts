import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { beforeAll, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch, VouchProcess } from '../kit/cli.ts'
import { until } from '../kit/poll.ts'
import { tempDir } from '../kit/swarm.ts'

/** What a log editor does: drop the triggers, delete the last rows, and remove or move the head. */
function cutTail(home: string, keep: number, head: 'delete' | 'move'): void {
  const db = new DatabaseSync(path.join(home, 'vouch.db'))
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_no_delete; DROP TRIGGER IF EXISTS audit_no_update')
    db.prepare('DELETE FROM audit WHERE seq > ?').run(keep)
    if (head === 'delete') db.exec("DELETE FROM meta WHERE key = 'audit_head'")
    else {
      const last = db.prepare('SELECT seq, hash FROM audit WHERE seq = ?').get(keep) as {
        seq: number
        hash: string
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(JSON.stringify(last))
    }
  } finally {
    db.close()
  }
}

describe('vouch audit checkpoint and verify --checkpoint', () => {
  let work: string
  let key: string
  const events = async (home: string, count: number) => {
    const list = path.join(work, `list-${count}.txt`)
    for (let i = 0; i < count; i++) {
      await writeFile(list, `198.51.100.${i + 1}\n`)
      expect((await runVouch(['--home', home, 'bans', 'import', list])).code).toBe(0)
    }
  }

  beforeAll(async () => {
    work = await tempDir('vouch-checkpoint-work-')
    key = path.join(work, 'auditor.key')
    expect((await runVouch(['--home', work, 'keygen', '--out', key])).code).toBe(0)
  })

  it('catches a tail cut together with its head row: truncated, exit 4', async () => {
    const home = await tempDir('vouch-checkpoint-home-')
    await events(home, 3)
    cutTail(home, 2, 'delete')
    const verified = await runVouch(['--home', home, 'audit', 'verify'])
    expect(verified.code).toBe(4)
    expect(verified.stderr).toMatch(/no recorded head/)
  })

  it('a signed checkpoint proves a tail cut with its head moved back (exit 4), and holds when nothing was removed', async () => {
    const home = await tempDir('vouch-checkpoint-home-')
    await events(home, 3)
    const checkpoint = path.join(work, 'three.checkpoint')
    const written = await runVouch([
      '--home',
      home,
      'audit',
      'checkpoint',
      '--sign',
      key,
      '--out',
      checkpoint,
    ])
    expect(written.code, written.stderr).toBe(0)
    expect(await readFile(checkpoint, 'utf8')).toMatch(
      /^vouch-audit-checkpoint\/v1\n3\n[A-Za-z0-9+/]{43}=\n\n— /,
    )
    // Never replaced.
    expect(
      (await runVouch(['--home', home, 'audit', 'checkpoint', '--sign', key, '--out', checkpoint])).code,
    ).toBe(2)

    await events(home, 1)
    const holds = await runVouch([
      '--home',
      home,
      'audit',
      'verify',
      '--checkpoint',
      checkpoint,
      '--key',
      `${key}.pub`,
    ])
    expect(holds.code, holds.stderr).toBe(0)
    expect(holds.stdout).toMatch(/audit log intact: 4 events.*; it holds the 3 events of/)
    const otherKey = path.join(work, 'other.key')
    await runVouch(['--home', work, 'keygen', '--out', otherKey])
    const wrongKey = [
      '--home',
      home,
      'audit',
      'verify',
      '--checkpoint',
      checkpoint,
      '--key',
      `${otherKey}.pub`,
    ]
    expect((await runVouch(wrongKey)).code).toBe(4)

    cutTail(home, 2, 'move')
    expect((await runVouch(['--home', home, 'audit', 'verify'])).code).toBe(0)
    const cut = await runVouch([
      '--home',
      home,
      'audit',
      'verify',
      '--checkpoint',
      checkpoint,
      '--key',
      `${key}.pub`,
    ])
    expect(cut.code).toBe(4)
    expect(cut.stderr).toMatch(/covers 3 events but the log has no event #3/)
    expect((await runVouch(['--home', home, 'audit', 'verify', '--checkpoint', checkpoint])).code).toBe(1)
    await writeFile(path.join(work, 'junk.checkpoint'), 'hello\n')
    const junk = [
      '--home',
      home,
      'audit',
      'verify',
      '--checkpoint',
      path.join(work, 'junk.checkpoint'),
      '--key',
      key,
    ]
    expect((await runVouch(junk)).code).toBe(2)
  }, 150_000)

  it('vouch serve --checkpoint-dir writes a signed checkpoint at start', async () => {
    const home = await tempDir('vouch-checkpoint-home-')
    await events(home, 2)
    const dir = path.join(work, 'served')
    const serve = new VouchProcess([
      '--json',
      '--home',
      home,
      'serve',
      ...QUIET_FLAGS,
      '--checkpoint-dir',
      dir,
      '--checkpoint-every',
      '1h',
      '--checkpoint-key',
      key,
    ])
    try {
      await serve.json((line) => line.event === 'serving')
      // The file is listed from the moment it is created, before its contents are written: wait
      // for serve to say it has written it (it notes each checkpoint once the write is done).
      const [, size, written] = await until(
        'serve to note the checkpoint written at start',
        30_000,
        async () => /^audit checkpoint of (\d+) events → (.+)$/m.exec(serve.stderr),
      )
      expect(size).toBe('2')
      const files = await readdir(dir)
      expect(files).toHaveLength(1)
      expect(files[0]).toMatch(/^audit-2-.*\.checkpoint$/)
      const file = path.join(dir, files[0] ?? '')
      expect(written).toBe(file)
      const verified = await runVouch([
        '--home',
        home,
        'audit',
        'verify',
        '--checkpoint',
        file,
        '--key',
        `${key}.pub`,
      ])
      expect(verified.code, verified.stderr).toBe(0)
    } finally {
      expect((await serve.stop('SIGTERM')).code).toBe(0)
    }
    expect((await runVouch(['--home', home, 'serve', '--checkpoint-dir', dir])).code).toBe(1)
  })
})
