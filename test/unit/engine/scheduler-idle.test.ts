import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import { afterEach, describe, expect, it } from 'vitest'
import { createTorrentFile } from '../../../src/cli/commands/create.ts'
import { NO_LIMITS, newTracked, Scheduler, type Tracked } from '../../../src/engine/scheduler.ts'
import { QUIET_CLIENT, stopClient, tempDir } from '../../kit/swarm.ts'

describe('the scheduler with no queue or seed limits', () => {
  let client: WebTorrent | undefined
  afterEach(async () => {
    if (client) await stopClient(client)
  })

  it('stops walking every torrent once none is queued, and walks again when limits are set', async () => {
    client = new WebTorrent({ ...QUIET_CLIENT })
    const dir = await tempDir('vouch-scheduler-')
    const tracked = new Map<string, Tracked>()
    for (let index = 0; index < 3; index++) {
      const data = path.join(dir, `t${index}.bin`)
      await writeFile(data, `torrent ${index}`)
      const torrent: Torrent = client.add(Buffer.from(await createTorrentFile(data)), {
        path: path.join(dir, 'out'),
      })
      if (!torrent.infoHash) await new Promise((resolve) => torrent.once('infoHash', resolve))
      tracked.set(torrent.infoHash, newTracked({ paused: false, addedAt: index }))
    }
    let walked = 0
    const scheduler = new Scheduler({
      client,
      tracked: (torrent) => {
        walked++
        return tracked.get(torrent.infoHash)
      },
      isHeld: () => false,
      pauseForLimit: () => undefined,
    })
    scheduler.enforce()
    expect(walked).toBe(3)
    for (let tick = 0; tick < 10; tick++) scheduler.enforce()
    expect(walked, 'passes after one that found nothing to do').toBe(3)

    scheduler.configure({ ...NO_LIMITS, maxActiveDownloads: 1 })
    expect(walked).toBeGreaterThan(3)
    expect([...tracked.values()].map((one) => one.queued)).toEqual([false, true, true])
    scheduler.configure(NO_LIMITS)
    expect([...tracked.values()].map((one) => one.queued)).toEqual([false, false, false])
    const settled = walked
    scheduler.enforce()
    expect(walked).toBe(settled)
  })
})
