import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { deleteTorrentData, insideSavePath } from '../../../src/engine/data-removal.ts'
import { tempDir } from '../../kit/swarm.ts'

describe('deleting a torrent’s data', () => {
  it('deletes the torrent’s files and the folders it leaves empty, and nothing else', async () => {
    const root = await tempDir()
    const save = path.join(root, 'downloads')
    await mkdir(path.join(save, 'album', 'disc 1'), { recursive: true })
    await mkdir(path.join(save, 'album', 'extras'), { recursive: true })
    await writeFile(path.join(save, 'album', 'disc 1', 'a.flac'), 'a')
    await writeFile(path.join(save, 'album', 'b.flac'), 'b')
    await writeFile(path.join(save, 'album', 'extras', 'mine.txt'), 'the user’s own file')
    await writeFile(path.join(save, 'other.bin'), 'another torrent')

    const deleted = await deleteTorrentData(save, [
      { path: 'album/disc 1/a.flac' },
      { path: 'album/b.flac' },
      { path: 'album/never-written.flac' },
    ])
    expect(deleted).toBe(2)
    expect((await readdir(save, { recursive: true })).sort()).toEqual([
      'album',
      path.join('album', 'extras'),
      path.join('album', 'extras', 'mine.txt'),
      'other.bin',
    ])
  })

  it.each([['../outside.txt'], ['/etc/passwd'], ['a/../../outside.txt'], ['.'], ['']])(
    'refuses %j, which is not inside the save path, and deletes nothing',
    async (relative) => {
      const root = await tempDir()
      const save = path.join(root, 'downloads')
      await mkdir(save)
      await writeFile(path.join(root, 'outside.txt'), 'keep')
      await writeFile(path.join(save, 'inside.bin'), 'x')
      expect(insideSavePath(save, relative)).toBeNull()
      await expect(
        deleteTorrentData(save, [{ path: 'inside.bin' }, { path: relative }]),
      ).rejects.toMatchObject({
        code: 'bad-input',
      })
      expect(await readdir(root)).toEqual(['downloads', 'outside.txt'])
      expect(await readdir(save)).toEqual(['inside.bin'])
    },
  )
})
