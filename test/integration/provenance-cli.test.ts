/**
 * The publisher and user flows through the real `vouch` CLI in child processes: keygen → create
 * --sign → trust add → verify (exit 0); unpinned → exit 3; tampered → exit 4; and `vouch get` of a
 * signed torrent from a live seeder: exit 3 with zero piece requests when the key is not pinned,
 * exit 0 with the right bytes when it is.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch, type CliResult } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'

function json(result: CliResult): Record<string, unknown> {
  const line = result.stdout.trim().split('\n').at(-1) ?? ''
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`)
  }
}

describe('vouch keygen, create --sign, trust, verify, magnet and get', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('a publisher signs; a user who pinned the key verifies (0); one who did not is refused (3)', async () => {
    swarm = new Swarm()
    const work = await swarm.tempDir('vouch-publisher-')
    const pinnedHome = await swarm.tempDir('vouch-user-')
    const strangerHome = await swarm.tempDir('vouch-stranger-')
    const payload = await swarm.payload({ bytes: 200_000, name: 'release-1.0.bin' })
    const key = path.join(work, 'publisher.key')
    const torrent = path.join(work, 'release.torrent')
    const vouch = (home: string, ...args: string[]) => runVouch(['--json', '--home', home, ...args])

    const keygen = await vouch(work, 'keygen', '--out', key)
    expect(keygen.code, keygen.stderr).toBe(0)
    const { fingerprint, publicKey } = json(keygen) as { fingerprint: string; publicKey: string }
    expect(fingerprint).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
    expect(publicKey).toMatch(/^vouch-ed25519 [A-Za-z0-9_-]{43}$/)
    expect((await stat(key)).mode & 0o777, 'secret key file mode').toBe(0o600)
    expect((await vouch(work, 'keygen', '--out', key)).code, 'never overwrites a key').toBe(2)

    const created = await vouch(
      work,
      'create',
      payload.file,
      '--out',
      torrent,
      '--sign',
      key,
      '--sequence',
      '1',
    )
    expect(created.code, created.stderr).toBe(0)
    expect(json(created)).toMatchObject({ ok: true, signedBy: fingerprint })

    const unpinned = await vouch(strangerHome, 'verify', torrent)
    expect(unpinned.code, unpinned.stderr).toBe(3)
    expect(json(unpinned)).toMatchObject({ ok: false, error: { reason: 'unknown-publisher', fingerprint } })
    expect(unpinned.stderr).toContain(fingerprint)

    const pinned = await vouch(pinnedHome, 'trust', 'add', `${key}.pub`, '--name', 'Release team')
    expect(pinned.code, pinned.stderr).toBe(0)
    const verified = await vouch(pinnedHome, 'verify', torrent)
    expect(verified.code, verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({
      ok: true,
      trusted: true,
      fingerprint,
      publishers: [{ name: 'Release team', sequence: 1 }],
    })

    const human = await runVouch(['--home', pinnedHome, 'verify', torrent])
    expect(human.stdout).toMatch(new RegExp(`signed by Release team \\[publisher ${fingerprint}\\]`))

    // The magnet carries the envelope; verify judges it before any connection.
    const magnet = json(await vouch(pinnedHome, 'magnet', torrent)).magnet as string
    expect(magnet).toMatch(/&x\.vouch=[A-Za-z0-9_-]+/)
    expect((await vouch(pinnedHome, 'verify', magnet)).code).toBe(0)
    expect((await vouch(strangerHome, 'verify', magnet)).code).toBe(3)

    // A sidecar carries the envelope for a .torrent left untouched.
    const sidecarSigned = await vouch(
      work,
      'sign',
      payload.torrentPath,
      '--key',
      key,
      '--sidecar',
      '--sequence',
      '2',
    )
    expect(sidecarSigned.code, sidecarSigned.stderr).toBe(0)
    expect(json(sidecarSigned)).toMatchObject({ carrier: 'sidecar', out: `${payload.torrentPath}.vouch` })
    expect(await readFile(payload.torrentPath)).toEqual(Buffer.from(payload.torrentFile))
    expect((await vouch(pinnedHome, 'verify', payload.torrentPath)).code).toBe(0)

    // One flipped byte in the embedded signature: invalid, exit 4.
    const bytes = new Uint8Array(await readFile(torrent))
    const at = Buffer.from(bytes).indexOf('9:signature64:') + '9:signature64:'.length + 7
    bytes[at] = (bytes[at] as number) ^ 0x40
    const tamperedPath = path.join(work, 'tampered.torrent')
    await writeFile(tamperedPath, bytes)
    const tampered = await vouch(pinnedHome, 'verify', tamperedPath)
    expect(tampered.code, tampered.stderr).toBe(4)
    expect(json(tampered)).toMatchObject({ error: { code: 'integrity', reason: 'bad-signature' } })

    // Revoked keys are refused and stay listed.
    expect((await vouch(pinnedHome, 'trust', 'revoke', fingerprint)).code).toBe(0)
    const revoked = await vouch(pinnedHome, 'verify', torrent)
    expect(revoked.code).toBe(3)
    expect(json(revoked)).toMatchObject({ error: { reason: 'revoked' } })
    expect(
      (await vouch(pinnedHome, 'trust', 'remove', fingerprint)).code,
      'cannot unlist a revoked key',
    ).toBe(3)
    expect(json(await vouch(pinnedHome, 'trust', 'list'))).toMatchObject({
      publishers: [{ fingerprint, status: 'revoked' }],
    })
  })

  it('accepts an OpenSSH ed25519 key for pinning and refuses malformed keys with exit 2', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-user-')
    const ssh = (
      await readFile(path.join(import.meta.dirname, '../fixtures/provenance/openssh-ed25519.pub'), 'utf8')
    ).trim()
    const added = await runVouch(['--json', '--home', home, 'trust', 'add', ssh, '--name', 'ssh key'])
    expect(added.code, added.stderr).toBe(0)
    const bad = await runVouch([
      '--json',
      '--home',
      home,
      'trust',
      'add',
      'vouch-ed25519 AAAA',
      '--name',
      'x',
    ])
    expect(bad.code).toBe(2)
    expect(json(bad)).toMatchObject({ error: { code: 'bad-input' } })
    expect(bad.stderr).toMatch(/43 base64url characters/)
  })

  it('vouch get: unpinned → exit 3 naming reason and fingerprint, zero requests; pinned → downloads', async () => {
    swarm = new Swarm()
    const work = await swarm.tempDir('vouch-publisher-')
    const key = path.join(work, 'publisher.key')
    const keygen = await runVouch(['--json', 'keygen', '--out', key])
    const { fingerprint } = json(keygen) as { fingerprint: string }
    const payload = await swarm.payload({ bytes: 700_000, name: 'signed-release.bin' })
    const seeder = await swarm.seeder(payload)
    const signed = await runVouch([
      '--json',
      'sign',
      payload.torrentPath,
      '--key',
      key,
      '--out',
      path.join(work, 'signed.torrent'),
    ])
    expect(signed.code, signed.stderr).toBe(0)
    const signedTorrent = path.join(work, 'signed.torrent')

    const strangerHome = await swarm.tempDir('vouch-stranger-')
    const strangerOut = await swarm.tempDir('vouch-out-')
    const get = (home: string, out: string) =>
      runVouch(
        [
          '--json',
          '--home',
          home,
          'get',
          signedTorrent,
          '--out',
          out,
          '--peer',
          seeder.address,
          '--timeout',
          '20',
          ...QUIET_FLAGS,
        ],
        { timeoutMs: 45_000 },
      )
    const refused = await get(strangerHome, strangerOut)
    expect(refused.code, refused.stderr).toBe(3)
    expect(json(refused)).toMatchObject({ ok: false, error: { reason: 'unknown-publisher', fingerprint } })
    expect(refused.stderr).toMatch(/not pinned/)
    expect(refused.stderr).toContain(fingerprint)
    expect(seeder.requestsReceived, 'piece requests at the seeder').toBe(0)
    const audit = await runVouch(['--json', '--home', strangerHome, 'audit', 'export'])
    const events = audit.stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; details: Record<string, unknown> })
    expect(events.find((event) => event.type === 'provenance.refused')?.details).toMatchObject({
      reason: 'unknown-publisher',
      fingerprint,
    })

    const userHome = await swarm.tempDir('vouch-user-')
    expect(
      (await runVouch(['--home', userHome, 'trust', 'add', `${key}.pub`, '--name', 'Publisher'])).code,
    ).toBe(0)
    const out = await swarm.tempDir('vouch-out-')
    const got = await get(userHome, out)
    expect(got.code, got.stderr).toBe(0)
    expect((await readFile(path.join(out, payload.name))).equals(payload.bytes)).toBe(true)
  })
})
