/**
 * Publishing a release on a feed (`vouch publish`): the release's envelopes go into a BEP 46 value,
 * signed as a BEP 44 item whose seq is the release envelope's sequence, put on the DHT and kept in
 * HOME/feeds.json so `seed` and `serve` re-put it hourly.
 */
import { VouchError } from '../errors.ts'
import { sameBytes, type SecretKey } from '../provenance/keys.ts'
import {
  readEnvelopes,
  readProvenanceTorrent,
  TorrentFormatError,
  type EnvelopeCandidate,
} from '../provenance/torrent.ts'
import type { Envelope } from '../provenance/envelope.ts'
import { itemProblem, signMutableItem } from './bep44.ts'
import { lookupItems, putItem, type Dht } from './dht.ts'
import { feedNameToSalt, formatFeedMagnet } from './feed-magnet.ts'
import { feedId, storeItem, type FeedStore } from './feed-store.ts'
import { ReleaseValueError, encodeReleaseValue } from './release-value.ts'

export interface PublishRequest {
  torrent: Uint8Array
  /** Envelopes from other carriers (the sidecar). */
  extraEnvelopes: readonly EnvelopeCandidate[]
  key: SecretKey
  feedName: string
  /** Seconds since 1970: followers show the feed as stale after this unless a newer item appears. */
  expires?: number | undefined
  dht: Dht
  feeds: FeedStore
}

export interface Published {
  magnet: string
  feedId: string
  seq: number
  infoHash: string
  /** Nodes that stored the item. */
  stored: number
}

/** The sequence the feed item takes: the feed key's own envelope's, else the highest co-signer's. */
function releaseSequence(envelopes: readonly Envelope[], key: SecretKey): number {
  const own = envelopes.find((envelope) => sameBytes(envelope.publicKey, key.publicKey))
  if (own?.sequence !== undefined) return own.sequence
  const sequences = envelopes.flatMap((envelope) =>
    envelope.sequence === undefined ? [] : [envelope.sequence],
  )
  if (sequences.length === 0)
    throw new VouchError(
      'bad-input',
      'the release has no sequence: sign it with vouch sign --sequence N (the feed item takes that number)',
    )
  return Math.max(...sequences)
}

export async function publishRelease(request: PublishRequest): Promise<Published> {
  const salt = feedNameToSalt(request.feedName)
  let torrent
  try {
    torrent = readProvenanceTorrent(request.torrent)
  } catch (error) {
    if (error instanceof TorrentFormatError)
      throw new VouchError('bad-input', `cannot publish: ${error.message}`)
    throw error
  }
  const infoHash = torrent.facts.infoHash
  const envelopes = readEnvelopes([...torrent.envelopes, ...request.extraEnvelopes]).filter(
    (envelope) => Buffer.from(envelope.infoHash).toString('hex') === infoHash,
  )
  if (envelopes.length === 0)
    throw new VouchError('bad-input', 'the release is not signed: sign it first with vouch sign --sequence N')
  const seq = releaseSequence(envelopes, request.key)
  const address = { publicKey: request.key.publicKey, salt }
  const id = feedId(address)
  const known = (await request.feeds.load()).published[id]
  if (known && known.item.seq >= seq)
    throw new VouchError(
      'refused',
      `feed '${request.feedName}' is already at sequence ${known.item.seq}; sign the new release with a higher --sequence than ${seq}`,
      { feedId: id, seq: known.item.seq },
    )
  const onDht = (await lookupItems(request.dht, address)).answers.filter(
    (answer) => itemProblem(answer.item, address, answer.answeredSalt) === null,
  )
  const highest = Math.max(-1, ...onDht.map((answer) => answer.item.seq))
  if (highest >= seq)
    throw new VouchError(
      'refused',
      `feed '${request.feedName}' already has sequence ${highest} on the DHT; a follower would refuse ${seq}`,
      { feedId: id, seq: highest },
    )
  let value: Uint8Array
  try {
    value = encodeReleaseValue({
      infoHash: new Uint8Array(Buffer.from(infoHash, 'hex')),
      envelopes,
      expires: request.expires,
    })
  } catch (error) {
    if (error instanceof ReleaseValueError) throw new VouchError('bad-input', error.message)
    throw error
  }
  const item = signMutableItem({ salt, seq, value }, request.key)
  const stored = await putItem(request.dht, item)
  if (stored === 0) throw new VouchError('network', 'no DHT node stored the feed item')
  const now = new Date()
  await request.feeds.update((file) => {
    file.published[id] = {
      publicKey: Buffer.from(request.key.publicKey).toString('hex'),
      salt: Buffer.from(salt).toString('hex'),
      name: request.feedName,
      item: storeItem(item, infoHash, now),
      lastPutAt: now.toISOString(),
    }
  })
  return { magnet: formatFeedMagnet(address), feedId: id, seq, infoHash, stored }
}
