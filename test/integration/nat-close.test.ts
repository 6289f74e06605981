import { createSocket, type Socket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/engine/engine.ts'
import { NAT_CLOSE_BOUND_MS, type NatTraversalLike } from '../../src/engine/nat-close.ts'
import { Swarm } from '../kit/swarm.ts'

const swarm = new Swarm()
afterEach(() => swarm.close())

/** A NAT traversal whose unmapping takes `ms` (a router that never answers), with a real socket. */
async function slowNat(
  ms: number,
): Promise<{ nat: NatTraversalLike; destroyed: () => boolean; unrefed: () => boolean }> {
  const socket: Socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  let unrefed = false
  const unref = socket.unref.bind(socket)
  socket.unref = () => {
    unrefed = true
    return unref()
  }
  let destroyed = false
  let finished = false
  const nat: NatTraversalLike = {
    _pmpClient: { socket },
    async destroy() {
      destroyed = true
      await new Promise((resolve) => setTimeout(resolve, ms).unref())
      finished = true
      socket.close()
    },
  }
  swarm.defer(async () => {
    if (!finished) socket.close()
  })
  return { nat, destroyed: () => destroyed, unrefed: () => unrefed }
}

function inject(engine: Engine, nat: NatTraversalLike): void {
  ;(engine.client as unknown as { natTraversal: NatTraversalLike }).natTraversal = nat
}

async function timedClose(engine: Engine): Promise<number> {
  const started = performance.now()
  await engine.close()
  return performance.now() - started
}

describe('closing the engine with NAT traversal on', () => {
  it('starts the unmapping but waits for it at most the bound, then unrefs its sockets', async () => {
    const engine = await swarm.engine()
    const { nat, destroyed, unrefed } = await slowNat(20_000)
    inject(engine, nat)
    // Before the bound, WebTorrent's destroy waited the whole 20 s for the unmapping.
    const ms = await timedClose(engine)
    expect(destroyed()).toBe(true)
    expect(ms).toBeGreaterThanOrEqual(NAT_CLOSE_BOUND_MS - 20)
    expect(ms).toBeLessThan(5_000)
    // Still unmapping in the background, but no longer keeping the process alive.
    expect(unrefed()).toBe(true)
  })

  it('waits for an unmapping that finishes within the bound, and leaves its sockets alone', async () => {
    const engine = await swarm.engine()
    const { nat, destroyed, unrefed } = await slowNat(50)
    inject(engine, nat)
    await timedClose(engine)
    expect(destroyed()).toBe(true)
    expect(unrefed()).toBe(false)
  })
})
