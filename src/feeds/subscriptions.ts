/**
 * Following and unfollowing feeds. A feed can be followed only when its key is pinned (and not
 * revoked): the same deliberate pin as for a refused torrent, shown with the key's fingerprint.
 */
import { VouchError } from '../errors.ts'
import { fingerprintOf, formatPublicKey, sameBytes } from '../provenance/keys.ts'
import { trustAdvice } from '../provenance/refusals.ts'
import type { TrustView } from '../provenance/policy.ts'
import { feedNameOf, formatFeedMagnet, parseFeedMagnet } from './feed-magnet.ts'
import { feedId, type FeedState, type FeedStore, type FollowedFeed } from './feed-store.ts'
import { isStale } from './follow-policy.ts'

export interface FollowOptions {
  outDir?: string | undefined
  notifyOnly?: boolean | undefined
}

/** What the subscribe flow shows before anything is written: the feed and its key. */
export function describeFeed(magnet: string, trust: TrustView) {
  const address = parseFeedMagnet(magnet)
  const fingerprint = fingerprintOf(address.publicKey)
  const publisher = trust.publishers.find((candidate) => sameBytes(candidate.publicKey, address.publicKey))
  return {
    id: feedId(address),
    magnet: formatFeedMagnet(address),
    name: feedNameOf(address.salt),
    fingerprint,
    publicKey: formatPublicKey(address.publicKey),
    pinnedAs: publisher && publisher.revokedAt === null ? publisher.name : null,
    revoked: publisher?.revokedAt != null,
    address,
  }
}

export async function followFeed(
  feeds: FeedStore,
  trust: TrustView,
  magnet: string,
  options: FollowOptions = {},
): Promise<FollowedFeed> {
  const feed = describeFeed(magnet, trust)
  if (feed.revoked)
    throw new VouchError('refused', `the feed's key ${feed.fingerprint} is revoked`, {
      reason: 'revoked',
      fingerprint: feed.fingerprint,
      publicKey: feed.publicKey,
    })
  if (feed.pinnedAs === null)
    throw new VouchError(
      'refused',
      `the feed's key ${feed.fingerprint} is not pinned; ${trustAdvice(feed.publicKey)}, then follow again`,
      { reason: 'unknown-publisher', fingerprint: feed.fingerprint, publicKey: feed.publicKey },
    )
  return feeds.update((file) => {
    const existing = file.followed[feed.id]
    const followed: FollowedFeed = {
      magnet: feed.magnet,
      publicKey: Buffer.from(feed.address.publicKey).toString('hex'),
      salt: Buffer.from(feed.address.salt).toString('hex'),
      name: feed.name,
      fingerprint: feed.fingerprint,
      outDir: options.outDir ?? existing?.outDir ?? null,
      notifyOnly: options.notifyOnly ?? existing?.notifyOnly ?? false,
      followedAt: existing?.followedAt ?? new Date().toISOString(),
      // Following again keeps the high-water mark: unfollowing is the only way to reset it.
      item: existing?.item ?? null,
      expires: existing?.expires ?? null,
      lastPollAt: existing?.lastPollAt ?? null,
      lastSeenAt: existing?.lastSeenAt ?? null,
      lastPutAt: existing?.lastPutAt ?? null,
      state: existing?.state ?? 'waiting',
      lastError: existing?.lastError ?? null,
      available: existing?.available ?? null,
    }
    file.followed[feed.id] = followed
    return followed
  })
}

/** Unfollow by feed magnet or by its id (the target, 40 hex digits). */
export async function removeFeed(feeds: FeedStore, magnetOrId: string): Promise<FollowedFeed> {
  const text = magnetOrId.trim().toLowerCase()
  const id = /^[0-9a-f]{40}$/.test(text) ? text : feedId(parseFeedMagnet(magnetOrId))
  return feeds.update((file) => {
    const existing = file.followed[id]
    if (!existing)
      throw new VouchError(
        'bad-input',
        `no followed feed is '${magnetOrId.slice(0, 120)}' (see vouch feeds list)`,
      )
    delete file.followed[id]
    return existing
  })
}

export interface FeedView {
  id: string
  magnet: string
  name: string
  fingerprint: string
  outDir: string | null
  notifyOnly: boolean
  lastSeq: number | null
  lastInfoHash: string | null
  lastUpdate: string | null
  lastPollAt: string | null
  nextPollAt: string | null
  state: FeedState
  stale: boolean
  lastError: string | null
  available: { seq: number; infoHash: string } | null
}

export async function listFeeds(
  feeds: FeedStore,
  now: number,
  nextPollAt: number | null = null,
): Promise<FeedView[]> {
  const file = await feeds.load()
  return Object.entries(file.followed).map(([id, feed]) => {
    const stale = isStale(feed, now)
    return {
      id,
      magnet: feed.magnet,
      name: feed.name,
      fingerprint: feed.fingerprint,
      outDir: feed.outDir,
      notifyOnly: feed.notifyOnly,
      lastSeq: feed.item?.seq ?? null,
      lastInfoHash: feed.item?.infoHash ?? null,
      lastUpdate: feed.item?.at ?? null,
      lastPollAt: feed.lastPollAt,
      nextPollAt: nextPollAt === null ? null : new Date(nextPollAt).toISOString(),
      state: stale && feed.state === 'ok' ? 'stale' : feed.state,
      stale,
      lastError: feed.lastError,
      available: feed.available,
    }
  })
}
