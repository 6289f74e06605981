import { afterEach, describe, expect, it } from 'vitest'
import { Swarm, whenDone } from '../kit/swarm.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('progress events', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('are computed for torrents whose state changes, not every tick for idle ones', async () => {
    swarm = new Swarm()
    const idlePayload = await swarm.payload({ bytes: 256 * 1024, name: 'idle.bin' })
    const busyPayload = await swarm.payload({ bytes: 4 * 1024 * 1024, name: 'busy.bin' })
    const seeder = await swarm.seeder(busyPayload)
    const engine = await swarm.engine({ progressIntervalMs: 50 })
    const counts = new Map<string, number>()
    engine.events.on('progress', (stats) => counts.set(stats.name, (counts.get(stats.name) ?? 0) + 1))
    const idle = await engine.seed(idlePayload.file, { remember: false })
    await sleep(300)
    const busy = await engine.add(busyPayload.torrentPath, {
      downloadDir: await swarm.tempDir('vouch-out-'),
      peers: [seeder.address],
      remember: false,
    })
    await whenDone(busy, 30_000)
    await sleep(300)
    expect(idle.done).toBe(true)
    // The idle seed is reported once, when first seen; the download on every tick it changed.
    expect(counts.get('idle.bin')).toBe(1)
    expect(counts.get('busy.bin') ?? 0).toBeGreaterThan(1)
  })
})
