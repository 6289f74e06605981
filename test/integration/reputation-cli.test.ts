import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch, VouchProcess, type CliResult } from '../kit/cli.ts'
import { makePayload, nextLoopbackAddress, tempDir } from '../kit/swarm.ts'

const LIST = [
  '# a blocklist mixing every form vouch bans import reads',
  'Bad Corp:1.2.3.0-1.2.3.255',
  '005.006.007.000 - 005.006.007.255 , 000 , dat entry',
  '9.9.9.9 - 9.9.9.9 , 200 , allowed friend',
  '10.20.0.0/16',
  '192.0.2.7',
  '2001:db8:42::/48',
  'this line is garbage',
  '1.2.3.9-1.2.3.1',
  '',
].join('\n')

function json(result: CliResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>
}

describe('vouch peers, bans, audit and verify-report', () => {
  let home: string
  let work: string
  const vouch = (...args: string[]) => runVouch(['--home', home, ...args])

  beforeAll(async () => {
    home = await tempDir('vouch-cli-home-')
    work = await tempDir('vouch-cli-work-')
    await writeFile(path.join(work, 'list.txt.gz'), gzipSync(LIST))
  })

  it('imports a gzip blocklist, naming each malformed line by number, and lists the bans', async () => {
    const imported = await vouch('--json', 'bans', 'import', path.join(work, 'list.txt.gz'))
    expect(imported.code, imported.stderr).toBe(0)
    expect(json(imported)).toMatchObject({
      ok: true,
      imported: 5,
      allowed: 1,
      malformedLines: 2,
      malformed: [
        { line: 8, text: 'this line is garbage' },
        { line: 9, reason: 'the first address is after the last' },
      ],
    })
    const human = await vouch('bans', 'import', path.join(work, 'list.txt.gz'))
    expect(human.stdout).toMatch(/imported 0 bans .*\(5 already banned\)/)
    expect(human.stdout).toMatch(/line 8: .*this line is garbage/)

    const listed = await vouch('--json', 'bans', 'list')
    const bans = json(listed).bans as { address: string; rangeEnd: string | null; source: string }[]
    expect(bans.map((ban) => `${ban.address}-${ban.rangeEnd}`).sort()).toEqual([
      '1.2.3.0-1.2.3.255',
      '10.20.0.0-10.20.255.255',
      '192.0.2.7-null',
      '2001:db8:42::-2001:db8:42:ffff:ffff:ffff:ffff:ffff',
      '5.6.7.0-5.6.7.255',
    ])
    expect(new Set(bans.map((ban) => ban.source))).toEqual(new Set(['imported']))
  })

  it('exits 2 when no line of a file is a blocklist entry, and when the file is missing', async () => {
    await writeFile(path.join(work, 'junk.txt'), 'no\nentries\nhere\n')
    const junk = await vouch('bans', 'import', path.join(work, 'junk.txt'))
    expect(junk.code).toBe(2)
    expect(junk.stderr).toMatch(/no valid entries; 3 malformed lines/)
    expect((await vouch('bans', 'import', path.join(work, 'missing.txt'))).code).toBe(2)
  })

  it('exports P2P and DAT that read back as the same ranges', async () => {
    const p2p = await vouch('bans', 'export', '--format', 'p2p')
    expect(p2p.code, p2p.stderr).toBe(0)
    expect(p2p.stdout).toContain('vouch imported Bad Corp:1.2.3.0-1.2.3.255\n')
    expect(p2p.stderr).toMatch(/1 IPv6 bans left out/)
    const dat = await vouch('bans', 'export', '--format', 'dat', '--out', path.join(work, 'out.dat'))
    expect(dat.code, dat.stderr).toBe(0)
    const text = await readFile(path.join(work, 'out.dat'), 'utf8')
    expect(text).toContain('005.006.007.000 - 005.006.007.255 , 000 , vouch imported dat entry\n')
    const again = await runVouch([
      '--home',
      await tempDir(),
      '--json',
      'bans',
      'import',
      path.join(work, 'out.dat'),
    ])
    expect(json(again)).toMatchObject({ imported: 4, malformedLines: 0 })
  })

  it('signs an export and verify-report checks it: 0 when it holds, 4 when altered or signed by another key', async () => {
    const key = path.join(work, 'reporter.key')
    expect((await runVouch(['--home', home, 'keygen', '--out', key])).code).toBe(0)
    const other = path.join(work, 'other.key')
    expect((await runVouch(['--home', home, 'keygen', '--out', other])).code).toBe(0)
    for (const format of ['p2p', 'dat', 'csv', 'json']) {
      const out = path.join(work, `signed.${format}`)
      const exported = await vouch('bans', 'export', '--format', format, '--sign', key, '--out', out)
      expect(exported.code, exported.stderr).toBe(0)
      const good = await vouch('verify-report', out, '--key', `${key}.pub`)
      expect(good.code, `${format}: ${good.stderr}`).toBe(0)
      expect(good.stdout).toMatch(new RegExp(`good ${format} report signature`))
      expect((await vouch('verify-report', out, '--key', `${other}.pub`)).code, format).toBe(4)
      const text = await readFile(out, 'utf8')
      await writeFile(out, text.replace('1.2.3.0', '1.2.3.1').replace('001.002.003.000', '001.002.003.001'))
      const bad = await vouch('verify-report', out, '--key', `${key}.pub`)
      expect(bad.code, format).toBe(4)
      expect(bad.stderr).toMatch(/altered/)
    }
    const unsigned = path.join(work, 'unsigned.p2p')
    await vouch('bans', 'export', '--format', 'p2p', '--out', unsigned)
    expect((await vouch('verify-report', unsigned, '--key', `${key}.pub`)).code).toBe(4)
  })

  it('pseudonymises json and csv exports, and refuses to for blocklist formats', async () => {
    const csv = await vouch('bans', 'export', '--format', 'csv', '--pseudonymise')
    expect(csv.code).toBe(0)
    expect(csv.stdout).not.toMatch(/1\.2\.3\.|Bad Corp|2001:db8/)
    expect(csv.stdout.match(/anon:[0-9a-f]{32}/g)?.length).toBeGreaterThanOrEqual(9)
    const again = await vouch('bans', 'export', '--format', 'csv', '--pseudonymise')
    expect(again.stdout.split('\n')[1]?.split(',')[0]).toBe(csv.stdout.split('\n')[1]?.split(',')[0])
    expect((await vouch('bans', 'export', '--format', 'p2p', '--pseudonymise')).code).toBe(1)
    expect((await vouch('bans', 'export', '--format', 'xml')).code).toBe(1)
  })

  it('lifts a ban, audits it, and exits 2 when there is no ban to lift', async () => {
    const lifted = await vouch('bans', 'lift', '192.0.2.7')
    expect(lifted.code, lifted.stderr).toBe(0)
    expect(lifted.stdout).toMatch(/lifted 1 ban on 192.0.2.7/)
    expect((await vouch('bans', 'lift', '192.0.2.7')).code).toBe(2)
    expect((await vouch('bans', 'lift', 'not-an-address')).code).toBe(2)
    const listed = json(await vouch('--json', 'bans', 'list')).bans as { address: string }[]
    expect(listed.map((ban) => ban.address)).not.toContain('192.0.2.7')
  })

  it('verifies and exports the audit log, and exits 4 naming the first bad event once a row is edited', async () => {
    const verified = await vouch('--json', 'audit', 'verify')
    expect(verified.code, verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({ ok: true, events: 3 })
    const out = path.join(work, 'audit.jsonl')
    expect((await vouch('audit', 'export', '--out', out)).code).toBe(0)
    const events = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; type: string; prevHash: string; hash: string })
    expect(events.map((event) => [event.seq, event.type])).toEqual([
      [1, 'ban.imported'],
      [2, 'ban.imported'],
      [3, 'ban.lifted'],
    ])
    expect(events[1]?.prevHash).toBe(events[0]?.hash)

    const db = new DatabaseSync(path.join(home, 'vouch.db'))
    db.exec("DROP TRIGGER audit_no_update; UPDATE audit SET subject = 'someone-else' WHERE seq = 2")
    db.close()
    const broken = await vouch('audit', 'verify')
    expect(broken.code).toBe(4)
    expect(broken.stderr).toMatch(/event #2 was edited/)
    const brokenJson = await vouch('--json', 'audit', 'verify')
    expect(json(brokenJson)).toMatchObject({
      ok: false,
      error: { code: 'integrity', badSeq: 2, problem: 'edited' },
    })
  })

  it('lists peers as JSON (empty until an engine has met some)', async () => {
    const peers = await vouch('--json', 'peers')
    expect(peers.code).toBe(0)
    expect(json(peers)).toEqual({ ok: true, peers: [] })
    expect((await vouch('peers')).stdout).toMatch(/no peers recorded yet/)
  })

  it('seed and get remember each other in their stores, and an imported ban keeps the next get away from the seeder', async () => {
    const payload = await makePayload({ bytes: 512 * 1024, pieceLength: 32 * 1024 })
    const seederHome = await tempDir('vouch-seeder-home-')
    const leecherHome = await tempDir('vouch-leecher-home-')
    const seed = new VouchProcess([
      '--json',
      '--home',
      seederHome,
      'seed',
      payload.torrentPath,
      ...QUIET_FLAGS,
    ])
    try {
      const seeding = await seed.json<{ port: number }>((line) => line.event === 'seeding')
      const host = nextLoopbackAddress()
      // `vouch get` from the seeder into a fresh directory, with `--timeout` seconds.
      const getFromSeeder = async (timeout: string) =>
        runVouch(
          [
            '--home',
            leecherHome,
            'get',
            payload.torrentPath,
            '--out',
            await tempDir(),
            '--peer',
            `${host}:${seeding.port}`,
            '--allow-unsigned',
            '--timeout',
            timeout,
            ...QUIET_FLAGS,
          ],
          { timeoutMs: 45_000 },
        )
      const got = await getFromSeeder('20')
      expect(got.code, got.stderr).toBe(0)

      const leecherPeers = json(await runVouch(['--json', '--home', leecherHome, 'peers'])).peers as {
        address: string
        piecesGood: number
        bytesDown: number
      }[]
      expect(leecherPeers.find((peer) => peer.address === host)).toMatchObject({
        piecesGood: 16,
        bytesDown: 512 * 1024,
      })

      await writeFile(path.join(work, 'seeder.p2p'), `the seeder:${host}-${host}\n`)
      // The seeder is on 127/8, which an import refuses without --force.
      const imported = await runVouch([
        '--home',
        leecherHome,
        'bans',
        'import',
        path.join(work, 'seeder.p2p'),
      ])
      expect(imported.code).toBe(2)
      expect(imported.stderr).toMatch(/covers loopback addresses/)
      const forced = ['--home', leecherHome, 'bans', 'import', '--force', path.join(work, 'seeder.p2p')]
      expect((await runVouch(forced)).code).toBe(0)
      const refused = await getFromSeeder('3')
      expect(refused.code, refused.stderr).toBe(5)
      expect(refused.stderr).toMatch(
        /\(0 peers connected\); peer .* banned by 127\.0\.0\.\d+ \(imported: the seeder\)/,
      )
    } finally {
      expect((await seed.stop('SIGTERM')).code, seed.stderr).toBe(0)
    }
    const seederPeers = json(await runVouch(['--json', '--home', seederHome, 'peers'])).peers as {
      bytesUp: number
    }[]
    expect(seederPeers.reduce((sum, peer) => sum + peer.bytesUp, 0)).toBeGreaterThanOrEqual(512 * 1024)
  })
})
