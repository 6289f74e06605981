/**
 * A .torrent is decoded once when it is added: source.ts reads it strictly, as the provenance gate
 * needs it, and builds parse-torrent's form from that reading; the engine hands WebTorrent that
 * form instead of the bytes, which WebTorrent would decode again (test/unit/engine/decode-once.test.ts
 * holds the two readings equal). WebTorrent must run it exactly as it runs the bytes.
 */
import bencode from 'bencode'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Torrent } from 'webtorrent'
import WebTorrent from 'webtorrent'
import { QUIET_CLIENT, stopClient, Swarm, whenMetadata } from '../kit/swarm.ts'

/** What WebTorrent made of a torrent: everything it took from the metainfo. */
function runningFields(torrent: Torrent) {
  const lists = torrent as unknown as { announce: string[]; urlList: string[] }
  return {
    infoHash: torrent.infoHash,
    name: torrent.name,
    length: torrent.length,
    pieceLength: torrent.pieceLength,
    lastPieceLength: torrent.lastPieceLength,
    pieces: torrent.pieces.length,
    files: torrent.files.map((file) => [file.path, file.length, file.offset]),
    announce: lists.announce,
    urlList: lists.urlList,
    magnetURI: torrent.magnetURI,
    torrentFile: Buffer.from(torrent.torrentFile).toString('hex'),
    infoBuffer: Buffer.from(torrent.infoBuffer ?? []).toString('hex'),
  }
}

describe('adding a .torrent', () => {
  let swarm: Swarm
  afterEach(async () => {
    vi.restoreAllMocks()
    await swarm.close()
  })

  it('decodes its bytes once, through the gate, and WebTorrent runs the decoded form as it runs the bytes', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({
      bytes: 100_000,
      pieceLength: 16 * 1024,
      name: 'release.bin',
      announce: ['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'],
    })
    const engine = await swarm.gatedEngine()
    const decode = vi.spyOn(bencode, 'decode')
    const added = await engine.add(payload.torrentPath, {
      downloadDir: await swarm.tempDir('vouch-out-'),
      allowUnsigned: true,
    })
    await whenMetadata(added, 10_000)
    // The strict reading (provenance/bencode.ts) is the only decode; before, parse-torrent's
    // decoder ran twice (the engine's and WebTorrent's).
    expect(decode, 'bencode package decodes of the .torrent').not.toHaveBeenCalled()
    decode.mockRestore()

    const plain = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0 })
    swarm.defer(() => stopClient(plain))
    const reference = plain.add(payload.torrentFile, { path: await swarm.tempDir('vouch-plain-') })
    await whenMetadata(reference, 10_000)
    expect(runningFields(added)).toEqual(runningFields(reference))
    expect(added.info).toEqual(reference.info)
  })
})
