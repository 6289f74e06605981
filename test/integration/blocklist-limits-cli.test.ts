import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { makePayload, nextLoopbackAddress, tempDir } from '../kit/swarm.ts'

describe('vouch bans import: a third-party list cannot silently ban everything', () => {
  let home: string
  let work: string
  const vouch = (...args: string[]) => runVouch(['--home', home, ...args])
  const list = async (name: string, text: string) => {
    const file = path.join(work, name)
    await writeFile(file, text)
    return file
  }

  beforeAll(async () => {
    home = await tempDir('vouch-limits-home-')
    work = await tempDir('vouch-limits-work-')
  })

  it('refuses a list whose every entry is too wide or loopback, naming the reasons (exit 2)', async () => {
    const file = await list('everything.txt', '0.0.0.0-255.255.255.255\n0.0.0.0/0\n::/0\n127.0.0.0/8\n')
    const result = await vouch('bans', 'import', file)
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(
      /nothing to import; 4 entries refused \(covers 4294967296 IPv4 addresses, more than a \/8; --force imports them\)/,
    )
    expect((await vouch('--json', 'bans', 'list')).stdout).toContain('"bans":[]')
  })

  it('imports the rest, lists each refused entry with its reason, and says "1 ban"', async () => {
    const file = await list(
      'mixed.p2p',
      'all:0.0.0.0-255.255.255.255\nloop:127.0.0.0-127.255.255.255\nBad:192.0.2.9-192.0.2.9\n',
    )
    const result = await vouch('bans', 'import', file)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`imported 1 ban from ${file}\n`)
    expect(result.stdout).toContain('2 entries refused (import them anyway with --force):')
    expect(result.stdout).toContain(
      '0.0.0.0-255.255.255.255 all: covers 4294967296 IPv4 addresses, more than a /8',
    )
    expect(result.stdout).toContain('127.0.0.0-127.255.255.255 loop: covers loopback addresses (127.0.0.0/8)')
  })

  it('with --force bans loopback; get --peer then names the ban, and bans lift ADDRESS lifts the range', async () => {
    const forced = await vouch('bans', 'import', '--force', await list('loop.p2p', '127.0.0.0/8\n'))
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/^imported 1 ban from/)

    const payload = await makePayload({ bytes: 32 * 1024 })
    const peer = `${nextLoopbackAddress()}:6881`
    const get = await vouch(
      'get',
      payload.torrentPath,
      '--allow-unsigned',
      '--peer',
      peer,
      '--timeout',
      '2',
      '--out',
      await tempDir(),
      ...QUIET_FLAGS,
    )
    expect(get.code).toBe(5)
    expect(get.stderr).toContain(
      `warning: peer ${peer} will not be contacted: it is banned by 127.0.0.0-127.255.255.255 (imported)`,
    )
    expect(get.stderr).toMatch(/timed out: .*; peer .* banned by 127\.0\.0\.0-127\.255\.255\.255/)

    const lifted = await vouch('bans', 'lift', '127.0.0.1')
    expect(lifted.code, lifted.stderr).toBe(0)
    expect(lifted.stdout).toContain(
      'lifted 1 ban on 127.0.0.1 (the range 127.0.0.0-127.255.255.255 (imported) covering it)',
    )
    expect((await vouch('bans', 'lift', '127.0.0.1')).code).toBe(2)
  })
})
