/**
 * `vouch get --recheck` reads every piece back from disk once the download is done. From a .torrent
 * it uses the reading the gate already made (files20k.test.ts); from a magnet it decodes the
 * metadata the peers sent, here for a torrent of several files.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { makeFolderPayload, Swarm } from '../kit/swarm.ts'

let swarm: Swarm
afterEach(async () => swarm.close())

it('re-checks a download from a magnet against the metadata its peer sent', async () => {
  swarm = new Swarm()
  const payload = await makeFolderPayload(
    { 'a.bin': 70_000, 'b.bin': 1, 'c.bin': 40_000 },
    { pieceLength: 16 * 1024, name: 'release' },
  )
  const seeder = await swarm.seeder(payload)
  const out = await swarm.tempDir('vouch-out-')
  const got = await runVouch(
    [
      '--json',
      '--home',
      await swarm.tempDir('vouch-home-'),
      'get',
      `magnet:?xt=urn:btih:${seeder.torrent.infoHash}`,
      '--out',
      out,
      '--peer',
      seeder.address,
      '--allow-unsigned',
      '--recheck',
      '--timeout',
      '60',
      ...QUIET_FLAGS,
    ],
    { timeoutMs: 90_000 },
  )
  expect(got.code, got.stderr).toBe(0)
  expect(JSON.parse(got.stdout.trim())).toMatchObject({
    ok: true,
    infoHash: seeder.torrent.infoHash,
    pieces: Math.ceil(110_001 / (16 * 1024)),
    rechecked: true,
  })
  for (const file of payload.files)
    expect((await readFile(path.join(out, file.path))).equals(file.bytes)).toBe(true)
})
