import type { AuditSink } from '../audit.ts'
import type { FeedStore } from '../feeds/feed-store.ts'
import { describeFeed, followFeed, listFeeds, removeFeed, type FeedView } from '../feeds/subscriptions.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import { VouchError } from '../errors.ts'
import type { EventBus, Handlers } from './dispatcher.ts'

type FeedHandlers = Pick<Handlers, 'feeds.list' | 'feeds.describe' | 'feeds.follow' | 'feeds.remove'>

export interface FeedHandlerOptions {
  feeds: FeedStore
  trust: TrustStore
  audit: AuditSink | undefined
  events: EventBus
  /** When the running feed daemon polls next (null when none runs). */
  nextPollAt: () => number | null
}

/**
 * The Feeds screen's commands over HOME/feeds.json. Following needs the feed's key pinned first:
 * `feeds.describe` shows the fingerprint, the UI offers `trust.pin`, then `feeds.follow`. Feeds
 * followed from the UI download to the engine's download folder (no paths from the UI).
 */
export function feedHandlers(options: FeedHandlerOptions): FeedHandlers {
  const { feeds, trust, audit, events } = options
  const views = () => listFeeds(feeds, Date.now(), options.nextPollAt())
  const viewOf = async (id: string): Promise<FeedView> => {
    const view = (await views()).find((candidate) => candidate.id === id)
    if (!view) throw new VouchError('bad-input', `no followed feed has id ${id}`)
    return view
  }
  return {
    'feeds.list': () => views(),
    'feeds.describe': async ({ magnet }) => {
      const { address: _address, ...description } = describeFeed(magnet, await trust.view())
      return description
    },
    'feeds.follow': async ({ magnet, notifyOnly }) => {
      const followed = await followFeed(feeds, await trust.view(), magnet, { notifyOnly })
      audit?.record({
        type: 'feed.followed',
        subject: followed.fingerprint,
        details: { feed: followed.name, magnet: followed.magnet, notifyOnly: followed.notifyOnly, via: 'ui' },
      })
      events.publish('feeds.changed', {})
      return viewOf(describeFeed(followed.magnet, await trust.view()).id)
    },
    'feeds.remove': async ({ id }) => {
      const view = await viewOf(id)
      const removed = await removeFeed(feeds, id)
      audit?.record({
        type: 'feed.removed',
        subject: removed.fingerprint,
        details: { feed: removed.name, magnet: removed.magnet, via: 'ui' },
      })
      events.publish('feeds.changed', {})
      return view
    },
  }
}
