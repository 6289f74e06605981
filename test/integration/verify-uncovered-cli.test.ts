import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runVouch } from '../kit/cli.ts'
import { makePayload, tempDir } from '../kit/swarm.ts'

describe('vouch sign binds the tracker list; vouch verify names what the signature leaves out', () => {
  it('lists announce as uncovered only with --no-bind-sources', async () => {
    const home = await tempDir('vouch-uncovered-home-')
    const payload = await makePayload({ bytes: 16 * 1024, announce: ['http://tracker.example/announce'] })
    const key = path.join(home, 'p.key')
    const vouch = (...args: string[]) => runVouch(['--json', '--home', home, ...args])
    expect((await vouch('keygen', '--out', key)).code).toBe(0)
    expect((await vouch('trust', 'add', `${key}.pub`, '--name', 'P')).code).toBe(0)
    const bound = path.join(home, 'bound.torrent')
    const unbound = path.join(home, 'unbound.torrent')
    expect((await vouch('sign', payload.torrentPath, '--key', key, '--out', bound)).code).toBe(0)
    const signed = await vouch(
      'sign',
      payload.torrentPath,
      '--key',
      key,
      '--no-bind-sources',
      '--out',
      unbound,
    )
    expect(signed.code, signed.stderr).toBe(0)

    const onBound = JSON.parse((await vouch('verify', bound)).stdout) as { uncovered: string[] }
    expect(onBound.uncovered).not.toContain('announce')
    const onUnbound = JSON.parse((await vouch('verify', unbound)).stdout) as { uncovered: string[] }
    expect(onUnbound.uncovered).toContain('announce')
    const human = await runVouch(['--home', home, 'verify', unbound])
    expect(human.stdout).toMatch(/not covered by the signature: .*announce/)
  }, 120_000)
})
