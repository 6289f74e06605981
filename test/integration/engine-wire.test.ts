import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Swarm, withTimeout } from '../kit/swarm.ts'

const MESSAGE = { choke: 0, unchoke: 1, interested: 2, bitfield: 5 } as const

/**
 * A raw peer that writes its handshake and `interested` in one segment, then collects the ids of
 * the messages it receives until an unchoke arrives.
 */
function rawLeecher(port: number, infoHash: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const received: number[] = []
    let buffer = Buffer.alloc(0)
    const socket = net.connect(port, '127.0.0.1', () => {
      const handshake = Buffer.concat([
        Buffer.from([19]),
        Buffer.from('BitTorrent protocol'),
        Buffer.alloc(8),
        Buffer.from(infoHash, 'hex'),
        randomBytes(20),
      ])
      socket.write(Buffer.concat([handshake, Buffer.from([0, 0, 0, 1, MESSAGE.interested])]))
    })
    socket.on('error', reject)
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data])
      if (buffer.length < 68) return
      let offset = 68
      received.length = 0
      while (buffer.length >= offset + 4) {
        const length = buffer.readUInt32BE(offset)
        if (buffer.length < offset + 4 + length) break
        if (length > 0) received.push(buffer[offset + 4] ?? -1)
        offset += 4 + length
      }
      if (received.includes(MESSAGE.unchoke)) {
        socket.destroy()
        resolve([...received])
      }
    })
  })
}

describe('engine wire handling', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  // Plain WebTorrent misses an `interested` parsed with the handshake and leaves such a peer choked
  // (measured: no unchoke within 12 s); see src/engine/wire-fixes.ts.
  it('unchokes a peer whose interested arrives with its handshake, after the bitfield', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const engine = await swarm.engine()
    const torrent = await engine.seed(payload.file, { remember: false, pieceLength: 32 * 1024 })
    const messages = await withTimeout(rawLeecher(engine.port, torrent.infoHash), 3000, 'an unchoke')
    expect(messages[0], 'the bitfield comes first (BEP 3)').toBe(MESSAGE.bitfield)
    expect(messages).toContain(MESSAGE.unchoke)
  })
})
