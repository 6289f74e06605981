import { createHash } from 'node:crypto'
import bencode from 'bencode'
import Wire from 'bittorrent-protocol'
import utMetadata from 'ut_metadata'
import { once } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebTorrent from 'webtorrent'
import { installMetadataOnce } from '../../../src/engine/metadata-once.ts'
import { decodeTorrentFile } from '../../../src/engine/torrent-decode.ts'
import { makeFolderPayload, QUIET_CLIENT, stopClient, tempDir } from '../../kit/swarm.ts'

async function manyFileTorrent(): Promise<Uint8Array> {
  const sizes: Record<string, number> = {}
  for (let index = 0; index < 50; index++) sizes[`f${index}.bin`] = 1 + index
  return (await makeFolderPayload(sizes, { pieceLength: 16 * 1024 })).torrentFile
}

/** What ut_metadata's setMetadata sets on the extension and its wire. */
function stateOf(extension: unknown, wire: Wire) {
  const state = extension as {
    metadata: Uint8Array | null
    _metadataComplete: boolean
    _metadataSize: number
  }
  return {
    metadata: Buffer.from(state.metadata ?? []).toString('hex'),
    complete: state._metadataComplete,
    size: state._metadataSize,
    handshakeSize: (wire as unknown as { extendedHandshake: { metadata_size?: number } }).extendedHandshake
      .metadata_size,
  }
}

describe('ut_metadata for a torrent whose metadata we have', () => {
  afterEach(() => void vi.restoreAllMocks())

  it('sets every wire’s extension as ut_metadata does, decoding the .torrent once for all of them', async () => {
    installMetadataOnce()
    const torrentFile = await manyFileTorrent()
    // ut_metadata's own code: the extension made directly, not through wire.use.
    const plainWire = new Wire()
    const plain = new (utMetadata(torrentFile))(plainWire)
    const expected = stateOf(plain, plainWire)
    expect(expected.complete).toBe(true)

    const decode = vi.spyOn(bencode, 'decode')
    const wires = Array.from({ length: 5 }, () => {
      const wire = new Wire()
      wire.use(utMetadata(torrentFile))
      return wire
    })
    for (const wire of wires)
      expect(stateOf((wire as unknown as { ut_metadata: unknown }).ut_metadata, wire)).toEqual(expected)
    // ut_metadata alone decodes twice per wire: 10 here.
    expect(decode).toHaveBeenCalledTimes(1)
  })

  it('takes the info bytes from the torrent WebTorrent made, decoding nothing', async () => {
    installMetadataOnce()
    const client = new WebTorrent(QUIET_CLIENT)
    try {
      const torrent = client.add(await manyFileTorrent(), { path: await tempDir('vouch-metadata-') })
      await once(torrent, 'metadata')
      const metadata = (torrent as unknown as { metadata: Uint8Array }).metadata
      const plainWire = new Wire()
      const expected = stateOf(new (utMetadata(metadata))(plainWire), plainWire)
      const decode = vi.spyOn(bencode, 'decode')
      const wire = new Wire()
      wire.use(utMetadata(metadata))
      expect(stateOf((wire as unknown as { ut_metadata: unknown }).ut_metadata, wire)).toEqual(expected)
      expect(decode).not.toHaveBeenCalled()
    } finally {
      await stopClient(client)
    }
  })

  it('never hands a peer info bytes that do not hash to the torrent’s infohash', async () => {
    installMetadataOnce()
    const client = new WebTorrent(QUIET_CLIENT)
    try {
      // WebTorrent takes a parsed torrent's infoBuffer on trust: here it is another torrent's.
      const parsed = decodeTorrentFile(await manyFileTorrent())
      const other = decodeTorrentFile((await makeFolderPayload({ 'other.bin': 5 })).torrentFile)
      const torrent = client.add(
        { ...parsed, infoBuffer: other.infoBuffer },
        {
          path: await tempDir('vouch-metadata-'),
        },
      )
      await once(torrent, 'metadata')
      const wire = new Wire()
      wire.use(utMetadata((torrent as unknown as { metadata: Uint8Array }).metadata))
      const given = (wire as unknown as { ut_metadata: { metadata: Uint8Array } }).ut_metadata.metadata
      expect(createHash('sha1').update(given).digest('hex')).toBe(torrent.infoHash)
    } finally {
      await stopClient(client)
    }
  })

  it('gives a wire whose handshake named another infohash no metadata, as ut_metadata does', async () => {
    installMetadataOnce()
    const torrentFile = await manyFileTorrent()
    const infoHash = decodeTorrentFile(torrentFile).infoHash
    for (const [handshake, accepted] of [
      ['00'.repeat(20), false],
      [infoHash, true],
    ] as const) {
      const wire = new Wire()
      wire.use(utMetadata(null))
      const extension = (wire as unknown as { ut_metadata: { _infoHash: string } }).ut_metadata
      extension._infoHash = handshake
      expect(
        await (extension as unknown as { setMetadata(m: Uint8Array): Promise<boolean> }).setMetadata(
          torrentFile,
        ),
        handshake,
      ).toBe(accepted)
      expect(stateOf(extension, wire).complete, handshake).toBe(accepted)
    }
  })
})
