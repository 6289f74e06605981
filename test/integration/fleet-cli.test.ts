import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { formatPublicKey, formatSecretKeyFile, generateKey } from '../../src/provenance/keys.ts'
import { QUIET_FLAGS, runVouch, VouchProcess } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'

describe('vouch serve --publish-bans and vouch bans follow, as a user runs them', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('publishes a signed report that a follower applies with the pinned key and refuses with another', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-publisher-')
    const key = generateKey()
    const keyFile = path.join(home, 'fleet.key')
    await writeFile(keyFile, formatSecretKeyFile(key), { mode: 0o600 })
    const publicFile = path.join(home, 'fleet.pub')
    await writeFile(publicFile, formatPublicKey(key.publicKey))

    const unsigned = await runVouch(['--home', home, 'serve', '--publish-bans', ...QUIET_FLAGS])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr).toContain('--publish-bans needs --sign')

    const serve = new VouchProcess([
      '--json',
      '--home',
      home,
      'serve',
      '--publish-bans',
      '--sign',
      keyFile,
      ...QUIET_FLAGS,
    ])
    swarm.defer(async () => void (await serve.stop('SIGKILL')))
    const serving = await serve.json<{ bansUrl: string; fingerprint: string }>(
      (line) => line.event === 'serving',
    )
    expect(serving.fingerprint).toBe(key.fingerprint)
    expect(serving.bansUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bans\.json$/)

    const follower = await swarm.tempDir('vouch-follower-')
    const followed = await runVouch([
      '--home',
      follower,
      'bans',
      'follow',
      serving.bansUrl,
      '--key',
      publicFile,
      '--name',
      'eu-1',
    ])
    expect(followed.code, followed.stderr).toBe(0)
    expect(followed.stdout).toMatch(/eu-1: report of .* applied: 0 new bans, 0 lifted/)
    const listed = await runVouch(['--home', follower, 'bans', 'following'])
    expect(listed.stdout).toContain(`eu-1  ${serving.bansUrl}  key ${key.fingerprint}`)

    const other = generateKey()
    const wrong = await runVouch([
      '--home',
      follower,
      'bans',
      'follow',
      serving.bansUrl,
      '--key',
      formatPublicKey(other.publicKey),
      '--name',
      'impostor',
    ])
    expect(wrong.code).toBe(4)
    expect(wrong.stderr).toContain('refused (other-key)')
  })
})
