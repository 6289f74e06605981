/**
 * `vouch trust list` after `vouch trust rotate`: the old key is listed as `rotated → <new
 * fingerprint>`, not `pinned`, the rotation is audited with both keys, and groups are listed with their threshold.
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { lastJson, runVouch } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'

describe('vouch trust list shows rotated keys and groups', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('lists the old key as rotated → the new fingerprint after vouch trust rotate, and each group as k of n', async () => {
    swarm = new Swarm()
    const home = await swarm.tempDir('vouch-user-')
    const work = await swarm.tempDir('vouch-publisher-')
    const vouch = (...args: string[]) => runVouch(['--home', home, ...args])
    const keygen = async (name: string) => {
      const made = await runVouch(['--json', '--home', work, 'keygen', '--out', path.join(work, name)])
      expect(made.code, made.stderr).toBe(0)
      return lastJson(made) as { fingerprint: string; publicKey: string }
    }
    const [old, next, second, third] = await Promise.all(['old.key', 'new.key', 'b.key', 'c.key'].map(keygen))
    expect((await vouch('trust', 'add', old!.publicKey, '--name', 'Releases')).code).toBe(0)
    const statement = path.join(work, 'rotation.bin')
    const signed = await vouch(
      'trust',
      'rotate-sign',
      '--key',
      path.join(work, 'old.key'),
      '--old',
      old!.publicKey,
      '--new',
      next!.publicKey,
      '--out',
      statement,
    )
    expect(signed.code, signed.stderr).toBe(0)
    const rotated = await vouch('trust', 'rotate', statement)
    expect(rotated.code, rotated.stderr).toBe(0)
    const grouped = await vouch(
      'trust',
      'add-group',
      'Distro',
      second!.publicKey,
      third!.publicKey,
      '--threshold',
      '2',
    )
    expect(grouped.code, grouped.stderr).toBe(0)

    const text = await vouch('trust', 'list')
    expect(text.code, text.stderr).toBe(0)
    const line = (fingerprint: string) =>
      text.stdout.split('\n').find((entry) => entry.startsWith(fingerprint))
    expect(line(old!.fingerprint)).toMatch(
      new RegExp(`^${old!.fingerprint} {2}rotated → ${next!.fingerprint} {2}Releases`),
    )
    expect(line(next!.fingerprint)).toMatch(/ {2}pinned +Releases/)
    expect(text.stdout).toContain(
      `group 'Distro': 2 of 2 keys must sign\n    ${second!.fingerprint}\n    ${third!.fingerprint}`,
    )

    const store = ReputationStore.openInHome(home)
    const rotations = [...auditRows(store.database)].filter((row) => row.type === 'trust.rotated')
    store.close()
    expect(rotations.map((row) => [row.subject, JSON.parse(row.details).from])).toEqual([
      [next!.fingerprint, old!.fingerprint],
    ])

    const listed = lastJson(await vouch('--json', 'trust', 'list'))
    expect(listed.publishers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          fingerprint: old!.fingerprint,
          status: 'rotated',
          rotatedTo: next!.fingerprint,
        }),
        expect.objectContaining({ fingerprint: next!.fingerprint, status: 'pinned', rotatedTo: null }),
      ]),
    )
    expect(listed.groups).toEqual([
      expect.objectContaining({
        name: 'Distro',
        threshold: 2,
        members: [second!.fingerprint, third!.fingerprint],
      }),
    ])
  })
})
