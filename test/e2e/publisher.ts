/** A publisher for e2e tests: a fresh ed25519 key and payloads whose .torrent it signed. */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { formatPublicKey, generateKey, type SecretKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import type { Payload, Swarm } from '../kit/swarm.ts'

export interface Publisher {
  key: SecretKey
  fingerprint: string
  /** `vouch-ed25519 …`, as pasted into the trust screen. */
  publicKey: string
}

export function newPublisher(): Publisher {
  const key = generateKey()
  return { key, fingerprint: key.fingerprint, publicKey: formatPublicKey(key.publicKey) }
}

/**
 * A payload plus the same torrent (same infohash) carrying the publisher's envelope, as a .torrent
 * file and as a magnet link.
 */
export async function signedPayload(
  swarm: Swarm,
  publisher: Publisher,
  options: Parameters<Swarm['payload']>[0] = {},
): Promise<Payload & { signedTorrentPath: string; signedMagnet: string }> {
  const payload = await swarm.payload(options)
  const signed = signTorrent(payload.torrentFile, publisher.key)
  const signedTorrentPath = path.join(payload.dir, `${payload.name}.signed.torrent`)
  await writeFile(signedTorrentPath, signed.bytes)
  const signedMagnet = magnetWithEnvelopes({ infoHash: signed.infoHash, name: payload.name }, [
    signed.envelope,
  ])
  return { ...payload, signedTorrentPath, signedMagnet }
}
