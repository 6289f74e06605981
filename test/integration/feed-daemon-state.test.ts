/**
 * The feed daemon on a loopback DHT: a feed shows the state of the release it just accepted
 * while that release is being started, not 'waiting' beside the new seq (the Feeds screen
 * refreshes on every change of feeds.json); a feed whose item outlived its declared validity is
 * shown as stale (TUF's freeze attack); a feed followed under a key whose pin is rotated moves to
 * the new key's feed; with the DHT switched off a feed says so, and polls again once it is back.
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DHT_OFF_ERROR, FeedDaemon } from '../../src/feeds/daemon.ts'
import { closeDht, openDhtNode, type Dht } from '../../src/feeds/dht.ts'
import { FeedStore } from '../../src/feeds/feed-store.ts'
import { publishRelease } from '../../src/feeds/publish.ts'
import { followFeed, listFeeds } from '../../src/feeds/subscriptions.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { encodeRotation, signRotation } from '../../src/provenance/rotation.ts'
import { KEY_A, KEY_B, buildTorrent } from '../fixtures/provenance/build.ts'
import { openApi } from '../kit/api.ts'
import { LoopbackDht } from '../kit/dht.ts'
import { until } from '../kit/poll.ts'
import { nextLoopbackAddress, Swarm, tempDir } from '../kit/swarm.ts'

let dht: LoopbackDht | undefined
let swarm: Swarm | undefined
const nodes: Dht[] = []
afterEach(async () => {
  await swarm?.close()
  swarm = undefined
  await Promise.all(nodes.splice(0).map(closeDht))
  await dht?.close()
  dht = undefined
})

/** A published release 1 (declared valid until `expires`, seconds) and a follower that follows it. */
async function followedRelease(expires?: number, home?: string) {
  dht = await LoopbackDht.start(3)
  const [publisherNode, followerNode] = await Promise.all(
    [0, 1].map(() => openDhtNode({ bootstrap: dht!.bootstrap, host: nextLoopbackAddress() })),
  )
  nodes.push(publisherNode!, followerNode!)
  const publisherFeeds = new FeedStore(path.join(await tempDir('vouch-publisher-'), 'feeds.json'))
  home ??= await tempDir('vouch-follower-')
  const feeds = new FeedStore(path.join(home, 'feeds.json'))
  const trust = TrustStore.forHome(home)
  await trust.pin(KEY_A, { name: 'Product' })
  const published = await publishRelease({
    torrent: signTorrent(buildTorrent(), KEY_A, { sequence: 1 }).bytes,
    extraEnvelopes: [],
    key: KEY_A,
    feedName: 'product',
    expires,
    dht: publisherNode!,
    feeds: publisherFeeds,
  })
  await followFeed(feeds, await trust.view(), published.magnet)
  return { publisherNode: publisherNode!, followerNode: followerNode!, feeds, trust, id: published.feedId }
}

describe('the feed daemon', () => {
  it('shows a release it accepted as ok, with its seq, while the release starts', async () => {
    const { followerNode, feeds, trust, id } = await followedRelease()
    const whileStarting: { state: string; seq: number | null }[] = []
    const daemon = new FeedDaemon({
      dht: followerNode,
      feeds,
      trust,
      follow: true,
      startRelease: async () => {
        const feed = (await feeds.load()).followed[id]
        whileStarting.push({ state: feed?.state ?? 'gone', seq: feed?.item?.seq ?? null })
      },
    })
    try {
      await daemon.pollFeed(id)
    } finally {
      await daemon.close()
    }
    expect(whileStarting).toEqual([{ state: 'ok', seq: 1 }])
    expect((await feeds.load()).followed[id]).toMatchObject({ state: 'ok', lastError: null })
  })

  it('says the DHT is off while it is switched off, and polls through it once it is back', async () => {
    const { followerNode, feeds, trust, id } = await followedRelease()
    let current: Dht | null = null
    const daemon = new FeedDaemon({ dht: () => current, feeds, trust, follow: true })
    try {
      // Its first round, with the DHT off; the next one is 10 minutes away.
      daemon.start()
      await until(
        'the first round',
        10_000,
        async () => (await feeds.load()).followed[id]?.lastError === DHT_OFF_ERROR,
      )
      expect((await feeds.load()).followed[id]).toMatchObject({ state: 'error', lastError: DHT_OFF_ERROR })
      expect(daemon.lookups).toBe(0)
      // Told the DHT is back, it polls at once.
      current = followerNode
      daemon.pollSoon()
      await until(
        'the feed polled through the DHT',
        20_000,
        async () => daemon.lookups > 0 && (await feeds.load()).followed[id]?.state === 'ok',
      )
      expect((await feeds.load()).followed[id]).toMatchObject({ state: 'ok', lastError: null })
    } finally {
      await daemon.close()
    }
  })

  it('shows a feed as stale once its item’s declared validity passed with no newer item (a freeze)', async () => {
    const validUntil = Math.floor(Date.now() / 1000) + 3600
    const { followerNode, feeds, trust, id } = await followedRelease(validUntil)
    let clock = Date.now()
    const daemon = new FeedDaemon({ dht: followerNode, feeds, trust, follow: true, now: () => clock })
    try {
      await daemon.pollFeed(id)
      expect((await listFeeds(feeds, clock))[0]).toMatchObject({ lastSeq: 1, state: 'ok', stale: false })
      // The same item is all the DHT still serves an hour later: frozen.
      clock = (validUntil + 1) * 1000
      expect((await listFeeds(feeds, clock))[0], 'between polls').toMatchObject({
        state: 'stale',
        stale: true,
      })
      await daemon.pollFeed(id)
      expect((await listFeeds(feeds, clock))[0], 'after a poll').toMatchObject({
        lastSeq: 1,
        state: 'stale',
        stale: true,
      })
    } finally {
      await daemon.close()
    }
  })
  it('moves a followed feed to the new key’s feed when its key’s pin is rotated (trust.rotate), keeping its seq, and takes release 2 from there', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const home = api.backend.engine.paths.home
    const { publisherNode, followerNode, feeds, trust, id } = await followedRelease(undefined, home)
    const daemon = new FeedDaemon({ dht: followerNode, feeds, trust, follow: true })
    try {
      await daemon.pollFeed(id)
      expect((await api.call('feeds.list', {}))[0]).toMatchObject({
        id,
        lastSeq: 1,
        fingerprint: KEY_A.fingerprint,
      })
      const statement = signRotation(
        { oldKey: KEY_A.publicKey, newKey: KEY_B.publicKey, created: Math.floor(Date.now() / 1000) - 60 },
        [KEY_A],
      )
      await api.call('trust.rotate', {
        statementBase64: Buffer.from(encodeRotation(statement)).toString('base64'),
      })
      const moved = await api.call('feeds.list', {})
      expect(moved).toHaveLength(1)
      expect(moved[0]).toMatchObject({ name: 'product', fingerprint: KEY_B.fingerprint, lastSeq: 1 })
      expect(moved[0]?.magnet).toBe(
        `magnet:?xs=urn:btpk:${Buffer.from(KEY_B.publicKey).toString('hex')}&s=70726f64756374`,
      )
      expect(api.events.some((event) => event.event === 'feeds.changed')).toBe(true)

      // The publisher goes on with the new key: release 2 on the new key's feed of the same name.
      await publishRelease({
        torrent: signTorrent(buildTorrent(), KEY_B, { sequence: 2 }).bytes,
        extraEnvelopes: [],
        key: KEY_B,
        feedName: 'product',
        dht: publisherNode,
        feeds: new FeedStore(path.join(await tempDir('vouch-publisher-'), 'feeds.json')),
      })
      const newId = moved[0]!.id
      await daemon.pollFeed(newId)
      expect((await api.call('feeds.list', {}))[0]).toMatchObject({ id: newId, lastSeq: 2, state: 'ok' })
    } finally {
      await daemon.close()
    }
  })
})
