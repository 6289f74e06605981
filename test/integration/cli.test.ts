import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch, VouchProcess } from '../kit/cli.ts'
import { nextLoopbackAddress, Swarm } from '../kit/swarm.ts'

function parseJsonLine(text: string): Record<string, unknown> {
  const lines = text.trim().split('\n')
  expect(lines, `expected one JSON document, got: ${text}`).toHaveLength(1)
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>
}

describe('the vouch CLI, end to end in child processes', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('create, then seed in one process, then get --peer in another: exit 0 and equal bytes', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 2 * 1024 * 1024 + 77, name: 'release.bin' })
    const torrentPath = path.join(payload.dir, 'release.torrent')
    const seederHome = await swarm.tempDir('vouch-seeder-home-')
    const leecherHome = await swarm.tempDir('vouch-leecher-home-')
    const out = await swarm.tempDir('vouch-out-')

    const created = await runVouch(['--json', 'create', payload.file, '--out', torrentPath])
    expect(created.code, created.stderr).toBe(0)
    const createdJson = parseJsonLine(created.stdout)
    expect(createdJson).toMatchObject({ ok: true, out: torrentPath, length: payload.bytes.length })
    expect(createdJson.infoHash).toMatch(/^[0-9a-f]{40}$/)

    const seed = new VouchProcess(['--json', '--home', seederHome, 'seed', torrentPath, ...QUIET_FLAGS])
    swarm.defer(async () => void (await seed.stop('SIGKILL')))
    const seeding = await seed.json<{ port: number; infoHash: string }>((line) => line.event === 'seeding')
    expect(seeding.infoHash).toBe(createdJson.infoHash)
    expect(seeding.port).toBeGreaterThan(0)

    // The seeder listens on every loopback address; dial it on one that is not 127.0.0.1.
    const peer = `${nextLoopbackAddress()}:${seeding.port}`
    const got = await runVouch(
      [
        '--json',
        '--home',
        leecherHome,
        'get',
        torrentPath,
        '--out',
        out,
        '--peer',
        peer,
        '--allow-unsigned',
        '--timeout',
        '20',
        ...QUIET_FLAGS,
      ],
      { timeoutMs: 45_000 },
    )
    expect(got.code, got.stderr).toBe(0)
    expect(parseJsonLine(got.stdout)).toMatchObject({
      ok: true,
      infoHash: createdJson.infoHash,
      name: 'release.bin',
      length: payload.bytes.length,
    })
    expect((await readFile(path.join(out, 'release.bin'))).equals(payload.bytes)).toBe(true)

    // SIGTERM stops the seeder cleanly.
    const stopped = await seed.stop('SIGTERM')
    expect(stopped.code, seed.stderr).toBe(0)
  })

  it('get without --json prints a human summary and plain progress lines when not a terminal', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024 })
    const seeder = await swarm.seeder(payload)
    const got = await runVouch(
      [
        '--home',
        await swarm.tempDir(),
        'get',
        payload.torrentPath,
        '--out',
        await swarm.tempDir(),
        '--peer',
        seeder.address,
        '--allow-unsigned',
        ...QUIET_FLAGS,
      ],
      { timeoutMs: 45_000 },
    )
    expect(got.code, got.stderr).toBe(0)
    expect(got.stdout).toMatch(/^downloaded and verified payload\.bin \(1048576 bytes, 32 pieces\)/)
    // Not a TTY: no progress-bar escape codes, just lines.
    expect(got.stderr).toMatch(/^100% 1\.0 MiB\/1\.0 MiB .* \d+ peers$/m)
    expect(got.stderr).not.toContain('\u001b[')
  })

  it('get from an unreachable peer with --timeout 2 exits 5 with a clear message', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const started = Date.now()
    // Port 1 on a fresh loopback address: the connection is refused, nothing ever arrives.
    const got = await runVouch(
      [
        '--home',
        await swarm.tempDir(),
        'get',
        payload.torrentPath,
        '--out',
        await swarm.tempDir(),
        '--peer',
        `${nextLoopbackAddress()}:1`,
        '--allow-unsigned',
        '--timeout',
        '2',
        ...QUIET_FLAGS,
      ],
      { timeoutMs: 30_000 },
    )
    expect(got.code, got.stderr).toBe(5)
    expect(got.stderr).toMatch(/vouch: timed out: no data arrived for 2 s \(0 peers connected\)/)
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('--json errors are one parseable document on stdout', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const got = await runVouch(
      [
        '--json',
        '--home',
        await swarm.tempDir(),
        'get',
        payload.torrentPath,
        '--peer',
        `${nextLoopbackAddress()}:1`,
        '--allow-unsigned',
        '--timeout',
        '1',
        ...QUIET_FLAGS,
      ],
      { timeoutMs: 30_000 },
    )
    expect(got.code).toBe(5)
    const document = parseJsonLine(got.stdout)
    expect(document).toMatchObject({ ok: false, error: { code: 'network' } })
  })
})
