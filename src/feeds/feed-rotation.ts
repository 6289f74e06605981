/**
 * A followed feed moves with its key's pin. BEP 44 names a feed by its key, so once a rotation
 * statement hands the pin from the old key to a new one (provenance/rotation.ts), the publisher's
 * next releases appear on the new key's feed of the same name, and the old key's feed (whose key
 * may be the stolen one) carries nothing the gate accepts. Applying a rotation therefore moves
 * every feed followed under the old key to the new key's feed, keeping its high-water mark (the
 * release sequence goes on across the key change) and the item last accepted, which keeps its own
 * signer so it can still be re-put and compared.
 */
import { fingerprintOf } from '../provenance/keys.ts'
import { formatFeedMagnet } from './feed-magnet.ts'
import { feedId, type FeedStore, type FollowedFeed } from './feed-store.ts'

export interface MovedFeed {
  name: string
  fromId: string
  toId: string
  magnet: string
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

export async function moveFollowedFeeds(
  feeds: FeedStore,
  oldFingerprint: string,
  newKey: Uint8Array,
): Promise<MovedFeed[]> {
  return feeds.update((file) => {
    const moved: MovedFeed[] = []
    for (const [fromId, feed] of Object.entries(file.followed)) {
      if (feed.fingerprint !== oldFingerprint) continue
      const address = { publicKey: newKey, salt: new Uint8Array(Buffer.from(feed.salt, 'hex')) }
      const toId = feedId(address)
      const already = file.followed[toId]
      const item = feed.item ? { ...feed.item, publicKey: feed.item.publicKey ?? feed.publicKey } : null
      const next: FollowedFeed = {
        ...feed,
        magnet: formatFeedMagnet(address),
        publicKey: hex(newKey),
        fingerprint: fingerprintOf(newKey),
        // Following the new feed already: keep whichever mark is higher.
        ...(already && (already.item?.seq ?? -1) >= (item?.seq ?? -1)
          ? { item: already.item, expires: already.expires, lastSeenAt: already.lastSeenAt }
          : { item }),
      }
      delete file.followed[fromId]
      file.followed[toId] = next
      moved.push({ name: feed.name, fromId, toId, magnet: next.magnet })
    }
    return moved
  })
}
