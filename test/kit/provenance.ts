import { signStatement, type Envelope, type Statement } from '../../src/provenance/envelope.ts'
import type { SecretKey } from '../../src/provenance/keys.ts'
import { readProvenanceTorrent, type TorrentFacts } from '../../src/provenance/torrent.ts'

/**
 * `key`'s valid signature over the torrent's infohash, but for `claimedName` instead of its
 * real name: only the metadata, once it arrives, can show the mismatch.
 */
export function misnamedEnvelope(
  torrentFile: Uint8Array,
  key: SecretKey,
  claimedName: string,
  extra: Pick<Statement, 'sequence'> = {},
): { facts: TorrentFacts; envelope: Envelope } {
  const facts = readProvenanceTorrent(torrentFile).facts
  const envelope = signStatement(
    {
      ...facts,
      infoHash: new Uint8Array(Buffer.from(facts.infoHash, 'hex')),
      name: new TextEncoder().encode(claimedName),
      created: Math.floor(Date.now() / 1000),
      ...extra,
    },
    key,
  )
  return { facts, envelope }
}
