import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import Wire from 'bittorrent-protocol'
import utMetadata from 'ut_metadata'
import { describe, expect, it } from 'vitest'
import WebTorrent from 'webtorrent'
import { installMetadataOnce } from '../../src/engine/metadata-once.ts'
import { decodeTorrentFile } from '../../src/engine/torrent-decode.ts'
import {
  makeFolderPayload,
  nextLoopbackAddress,
  QUIET_CLIENT,
  stopClient,
  tempDir,
  withTimeout,
} from '../kit/swarm.ts'

/**
 * A peer that dials `port`, handshakes for `infoHash` and offers `torrentFile`'s info dictionary
 * over ut_metadata, whatever infohash that dictionary has.
 */
function offerMetadata(port: number, infoHash: string, torrentFile: Uint8Array): net.Socket {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: nextLoopbackAddress() })
  const wire = new Wire()
  socket.pipe(wire as unknown as Duplex).pipe(socket)
  wire.use(utMetadata(torrentFile))
  socket.once('connect', () => wire.handshake(infoHash, randomBytes(20).toString('hex'), { dht: false }))
  socket.on('error', () => {})
  return socket
}

describe('a magnet’s metadata from a peer that dialled in', () => {
  it('is refused when it does not hash to the magnet’s infohash, and taken when it does', async () => {
    installMetadataOnce()
    const real = (await makeFolderPayload({ 'real.bin': 5000 })).torrentFile
    const forged = (await makeFolderPayload({ 'forged.bin': 7000 })).torrentFile
    const infoHash = decodeTorrentFile(real).infoHash
    const client = new WebTorrent(QUIET_CLIENT)
    const sockets: net.Socket[] = []
    try {
      await once(client, 'listening')
      const port = (client.address() as { port: number }).port
      const torrent = client.add(`magnet:?xt=urn:btih:${infoHash}`, { path: await tempDir('vouch-magnet-') })
      await once(torrent, 'infoHash')
      let metadataEvents = 0
      torrent.on('metadata', () => metadataEvents++)

      const wireCame = once(torrent, 'wire') as Promise<[Wire]>
      sockets.push(offerMetadata(port, infoHash, forged))
      const [wire] = await withTimeout(wireCame, 10_000, 'the forging peer’s wire')
      const extension = (wire as unknown as { ut_metadata: NodeJS.EventEmitter }).ut_metadata
      // ut_metadata asks again after a bad copy, then gives up with this warning.
      const [warning] = (await withTimeout(once(extension, 'warning'), 10_000, 'the refusal')) as [Error]
      expect(warning.message).toMatch(/invalid metadata/)
      expect(metadataEvents).toBe(0)
      expect(torrent.infoHash).toBe(infoHash)

      sockets.push(offerMetadata(port, infoHash, real))
      await withTimeout(once(torrent, 'metadata'), 10_000, 'the honest peer’s metadata')
      expect(torrent.infoHash).toBe(infoHash)
      expect(torrent.files.map((file) => file.name)).toEqual(['real.bin'])
    } finally {
      for (const socket of sockets) socket.destroy()
      await stopClient(client)
    }
  })
})
