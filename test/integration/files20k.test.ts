import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch, VouchProcess } from '../kit/cli.ts'
import { nextLoopbackAddress, Swarm } from '../kit/swarm.ts'

const FILES = 20_000
/** Far below the files of the torrent: every step must bound the files it keeps open. */
const FD_LIMIT = 256

describe('a torrent of 20 000 files, under ulimit -n 256', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('creates, seeds, downloads and re-checks correctly', { timeout: 300_000 }, async () => {
    swarm = new Swarm()
    const source = await swarm.tempDir('vouch-files20k-')
    const root = path.join(source, 'many')
    const contents: Buffer[] = []
    for (let directory = 0; directory < FILES / 1000; directory++) {
      await mkdir(path.join(root, `d${directory}`), { recursive: true })
      for (let index = 0; index < 1000; index++) {
        const bytes = randomBytes(1 + ((directory * 1000 + index) % 97))
        contents.push(bytes)
        await writeFile(path.join(root, `d${directory}`, `f${index}.bin`), bytes)
      }
    }
    const torrentPath = path.join(source, 'many.torrent')
    const limits = { fdLimit: FD_LIMIT, timeoutMs: 240_000 }
    const created = await runVouch(
      ['--json', 'create', root, '--out', torrentPath, '--piece-length', '16384'],
      limits,
    )
    expect(created.code, created.stderr).toBe(0)

    const seederHome = await swarm.tempDir('vouch-seeder-home-')
    const seed = new VouchProcess(
      ['--json', '--home', seederHome, 'seed', torrentPath, ...QUIET_FLAGS],
      limits,
    )
    swarm.defer(async () => void (await seed.stop('SIGKILL')))
    const seeding = await seed.json<{ port: number }>((line) => line.event === 'seeding', 240_000)

    const out = await swarm.tempDir('vouch-out-')
    const leecherHome = await swarm.tempDir('vouch-leecher-home-')
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
        `${nextLoopbackAddress()}:${seeding.port}`,
        '--allow-unsigned',
        '--recheck',
        '--timeout',
        '60',
        ...QUIET_FLAGS,
      ],
      limits,
    )
    expect(got.code, got.stderr).toBe(0)
    expect(JSON.parse(got.stdout.trim())).toMatchObject({ ok: true, rechecked: true })
    for (let directory = 0; directory < FILES / 1000; directory++) {
      for (let index = 0; index < 1000; index += 97) {
        const file = path.join(out, 'many', `d${directory}`, `f${index}.bin`)
        expect(
          (await readFile(file)).equals(contents[directory * 1000 + index] ?? Buffer.alloc(0)),
          file,
        ).toBe(true)
      }
    }
  })
})
