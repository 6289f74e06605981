import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { torrentArgs } from '../../../electron/torrent-args.ts'
import { Swarm } from '../../kit/swarm.ts'

describe('torrents named on the command line', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())

  it('picks magnet links and existing .torrent files, skipping the binary, flags and missing files', async () => {
    const dir = await swarm.tempDir()
    await writeFile(path.join(dir, 'release.torrent'), 'd4:infode')
    const magnet = 'magnet:?xt=urn:btih:' + 'b'.repeat(40)
    const argv = [
      '/opt/Vouch/vouch.torrent',
      '--allow-file-access-from-files',
      '.',
      magnet,
      'release.torrent',
      'missing.torrent',
      'notes.txt',
      'MAGNET:?xt=urn:btih:' + 'c'.repeat(40),
      'magnet:no-query',
    ]
    expect(torrentArgs(argv, dir)).toEqual([
      magnet,
      path.join(dir, 'release.torrent'),
      'MAGNET:?xt=urn:btih:' + 'c'.repeat(40),
    ])
  })
})
