/**
 * The feed daemon on a loopback DHT: a feed shows the state of the release it just accepted
 * while that release is being started, not 'waiting' beside the new seq (the Feeds screen
 * refreshes on every change of feeds.json).
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FeedDaemon } from '../../src/feeds/daemon.ts'
import { closeDht, openDhtNode, type Dht } from '../../src/feeds/dht.ts'
import { FeedStore } from '../../src/feeds/feed-store.ts'
import { publishRelease } from '../../src/feeds/publish.ts'
import { followFeed } from '../../src/feeds/subscriptions.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { KEY_A, buildTorrent } from '../fixtures/provenance/build.ts'
import { LoopbackDht } from '../kit/dht.ts'
import { nextLoopbackAddress, tempDir } from '../kit/swarm.ts'

let dht: LoopbackDht | undefined
const nodes: Dht[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(closeDht))
  await dht?.close()
  dht = undefined
})

describe('the feed daemon', () => {
  it('shows a release it accepted as ok, with its seq, while the release starts', async () => {
    dht = await LoopbackDht.start(3)
    const [publisherNode, followerNode] = await Promise.all(
      [0, 1].map(() => openDhtNode({ bootstrap: dht!.bootstrap, host: nextLoopbackAddress() })),
    )
    nodes.push(publisherNode!, followerNode!)
    const publisherFeeds = new FeedStore(path.join(await tempDir('vouch-publisher-'), 'feeds.json'))
    const home = await tempDir('vouch-follower-')
    const feeds = new FeedStore(path.join(home, 'feeds.json'))
    const trust = TrustStore.forHome(home)
    await trust.pin(KEY_A, { name: 'Product' })
    const published = await publishRelease({
      torrent: signTorrent(buildTorrent(), KEY_A, { sequence: 1 }).bytes,
      extraEnvelopes: [],
      key: KEY_A,
      feedName: 'product',
      dht: publisherNode!,
      feeds: publisherFeeds,
    })
    await followFeed(feeds, await trust.view(), published.magnet)

    const whileStarting: { state: string; seq: number | null }[] = []
    const daemon = new FeedDaemon({
      dht: followerNode!,
      feeds,
      trust,
      follow: true,
      startRelease: async () => {
        const feed = (await feeds.load()).followed[published.feedId]
        whileStarting.push({ state: feed?.state ?? 'gone', seq: feed?.item?.seq ?? null })
      },
    })
    try {
      await daemon.pollFeed(published.feedId)
    } finally {
      await daemon.close()
    }
    expect(whileStarting).toEqual([{ state: 'ok', seq: 1 }])
    expect((await feeds.load()).followed[published.feedId]).toMatchObject({ state: 'ok', lastError: null })
  })
})
