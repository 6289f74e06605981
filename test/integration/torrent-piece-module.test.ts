/**
 * src/engine/piece-files.ts makes pieces with the torrent-piece that package.json declares, and
 * they must be the very class WebTorrent makes its own with: were npm to give WebTorrent a copy of
 * its own (a range the declared one does not meet), the replaced pieces would be another class.
 */
import Piece from 'torrent-piece'
import { afterEach, expect, it } from 'vitest'
import WebTorrent from 'webtorrent'
import { QUIET_CLIENT, stopClient, Swarm, whenMetadata } from '../kit/swarm.ts'

let swarm: Swarm
afterEach(async () => {
  await swarm.close()
})

it('WebTorrent makes its pieces with the torrent-piece Vouch imports', async () => {
  swarm = new Swarm()
  const payload = await swarm.payload({ bytes: 40_000, pieceLength: 16 * 1024, name: 'piece.bin' })
  const plain = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
  swarm.defer(() => stopClient(plain))
  const torrent = plain.add(payload.torrentFile, { path: await swarm.tempDir('vouch-piece-') })
  await whenMetadata(torrent, 10_000)
  expect(torrent.pieces).toHaveLength(3)
  for (const piece of torrent.pieces) expect(piece).toBeInstanceOf(Piece)
})
