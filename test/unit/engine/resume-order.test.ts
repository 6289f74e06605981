import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTorrentFile } from '../../../src/cli/commands/create.ts'
import { READ_AHEAD, resumeInOrder } from '../../../src/engine/resume.ts'
import type { TorrentSource } from '../../../src/engine/source.ts'
import type { RememberedTorrent } from '../../../src/engine/torrent-list.ts'
import { tempDir } from '../../kit/swarm.ts'

/** `count` remembered torrents, each with its stored .torrent written to disk. */
async function rememberedTorrents(count: number): Promise<RememberedTorrent[]> {
  const dir = await tempDir('vouch-resume-order-')
  const entries: RememberedTorrent[] = []
  for (let index = 0; index < count; index++) {
    const data = path.join(dir, `t${index}.bin`)
    await writeFile(data, `torrent ${index}`)
    const torrentFile = path.join(dir, `t${index}.torrent`)
    await writeFile(torrentFile, await createTorrentFile(data))
    entries.push({
      infoHash: String(index).padStart(40, '0'),
      torrentFile,
      magnet: null,
      downloadDir: dir,
      seeding: false,
      allowUnsigned: true,
      addedAt: new Date(1_700_000_000_000 + index).toISOString(),
    })
  }
  return entries
}

describe('resuming the remembered torrents', () => {
  it('adds them one at a time in list order, while the next files are already read', async () => {
    const entries = await rememberedTorrents(READ_AHEAD + 4)
    const added: string[] = []
    let adding = 0
    await resumeInOrder(
      entries,
      async (source: TorrentSource) => {
        expect(adding, 'adds overlap').toBe(0)
        adding++
        if (added.length === 0) {
          // Deleted while the first is added: a file already read ahead still resumes.
          await new Promise((resolve) => setTimeout(resolve, 100))
          await rm(entries[1]?.torrentFile ?? '')
        }
        added.push(source.parsed.name ?? '?')
        adding--
      },
      (entry, error) => {
        throw new Error(`${entry.infoHash}: ${error.message}`)
      },
    )
    expect(added).toEqual(entries.map((_, index) => `t${index}.bin`))
  })

  it('reports an entry whose file is gone and goes on with the next', async () => {
    const entries = await rememberedTorrents(READ_AHEAD + 2)
    const gone = entries[READ_AHEAD + 1]
    await rm(gone?.torrentFile ?? '')
    const failed: string[] = []
    let added = 0
    await resumeInOrder(
      entries,
      async () => {
        added++
      },
      (entry, error) => failed.push(`${entry.infoHash} ${error.message}`),
    )
    expect(added).toBe(entries.length - 1)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatch(new RegExp(`^${gone?.infoHash} `))
  })
})
