import { chmod, mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runVouch } from '../kit/cli.ts'
import { makePayload, tempDir } from '../kit/swarm.ts'

const modeOf = async (file: string) => (await stat(file)).mode & 0o777

describe('secret keys and HOME are private to their user', () => {
  let work: string
  let key: string
  let torrent: string

  beforeAll(async () => {
    work = await tempDir('vouch-private-work-')
    key = path.join(work, 'publisher.key')
    expect((await runVouch(['--home', work, 'keygen', '--out', key])).code).toBe(0)
    torrent = (await makePayload({ bytes: 16 * 1024 })).torrentPath
  })

  it('refuses a group- or world-readable secret key (exit 2) unless --insecure-key-permissions', async () => {
    await chmod(key, 0o644)
    const refused = await runVouch([
      '--home',
      work,
      'sign',
      torrent,
      '--key',
      key,
      '--out',
      path.join(work, 'a.torrent'),
    ])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${key} is readable by other users (mode 0644)`)
    expect(refused.stderr).toContain(`chmod 600 ${key}`)
    const forced = await runVouch([
      '--home',
      work,
      '--insecure-key-permissions',
      'sign',
      torrent,
      '--key',
      key,
      '--out',
      path.join(work, 'b.torrent'),
    ])
    expect(forced.code, forced.stderr).toBe(0)
    await chmod(key, 0o640)
    const checkpoint = ['--home', work, 'audit', 'checkpoint', '--sign', key, '--out', path.join(work, 'c')]
    expect((await runVouch(checkpoint)).code).toBe(2)
    await chmod(key, 0o600)
    const fine = await runVouch([
      '--home',
      work,
      'sign',
      torrent,
      '--key',
      key,
      '--out',
      path.join(work, 'd.torrent'),
    ])
    expect(fine.code, fine.stderr).toBe(0)
  })

  it('creates HOME 0700 with vouch.db and trust.json 0600, and tightens a HOME others can read', async () => {
    const home = path.join(await tempDir('vouch-private-'), 'home')
    expect((await runVouch(['--home', home, 'trust', 'add', `${key}.pub`, '--name', 'P'])).code).toBe(0)
    expect((await runVouch(['--home', home, 'bans', 'list'])).code).toBe(0)
    expect(await modeOf(home)).toBe(0o700)
    expect(await modeOf(path.join(home, 'trust.json'))).toBe(0o600)
    expect(await modeOf(path.join(home, 'vouch.db'))).toBe(0o600)

    const open = path.join(await tempDir('vouch-private-'), 'open-home')
    await mkdir(open, { mode: 0o755 })
    await chmod(open, 0o755)
    expect((await runVouch(['--home', open, 'bans', 'list'])).code).toBe(0)
    expect(await modeOf(open)).toBe(0o700)
  })
})
