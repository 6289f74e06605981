import { once } from 'node:events'
import { createServer, Socket, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { writeOncePerTick } from '../../../src/engine/torrent-events.ts'
import { withTimeout } from '../../kit/swarm.ts'

/** A connected pair on loopback: our side (written to) and what the other side receives. */
async function pair(): Promise<{ ours: Socket; received: () => Buffer; close: () => void }> {
  const chunks: Buffer[] = []
  const server = createServer((theirs) => theirs.on('data', (chunk: Buffer) => chunks.push(chunk)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const ours = new Socket()
  ours.connect((server.address() as AddressInfo).port, '127.0.0.1')
  await once(ours, 'connect')
  ours.setNoDelay(true)
  return {
    ours,
    received: () => Buffer.concat(chunks),
    close: () => {
      ours.destroy()
      server.close()
    },
  }
}

/** How many times the socket hands bytes to the kernel (one write or writev each). */
function countSends(socket: Socket): () => number {
  const internals = socket as unknown as { _writeGeneric: (...args: unknown[]) => unknown }
  const send = internals._writeGeneric
  let sends = 0
  internals._writeGeneric = function (this: unknown, ...args: unknown[]) {
    sends++
    return send.apply(this, args)
  }
  return () => sends
}

describe('writes to a peer, once per turn of the event loop', () => {
  let close: (() => void) | undefined
  afterEach(() => close?.())

  it('sends the messages one turn writes in one system call, in order, and the next turn’s in another', async () => {
    const { ours, received, close: done } = await pair()
    close = done
    writeOncePerTick(ours)
    const sends = countSends(ours)
    const messages = Array.from({ length: 100 }, (_, index) => Buffer.from(`request ${index};`))
    for (const message of messages) ours.write(message)
    await new Promise((resolve) => setImmediate(resolve))
    expect(sends()).toBe(1)
    ours.write(Buffer.from('next turn;'))
    const expected = Buffer.concat([...messages, Buffer.from('next turn;')])
    await withTimeout(
      (async () => {
        while (received().length < expected.length) await new Promise((resolve) => setTimeout(resolve, 5))
      })(),
      5000,
      'the other side to receive every byte',
    )
    expect(received().equals(expected)).toBe(true)
    expect(sends()).toBe(2)
  })

  it('without it, each of a turn’s messages is its own send (what the test above guards against)', async () => {
    const { ours, close: done } = await pair()
    close = done
    const sends = countSends(ours)
    for (let index = 0; index < 100; index++) ours.write(Buffer.from(`request ${index};`))
    await new Promise((resolve) => setImmediate(resolve))
    expect(sends()).toBeGreaterThan(10)
  })
})
