/**
 * The done-test of issue 12, through the real CLI on a loopback DHT: a running `vouch serve`
 * follows a feed; publishing release 2 makes it fetch, verify and finish release 2 with no user
 * action; a hostile DHT node replaying release 1 and one serving a forged item are refused and
 * audited; a release signed by one key of a 2-of-3 group is refused, and one signed by three keys
 * of a 3-of-4 group (more than two envelopes: the compact `vouch2` form) is accepted.
 */
import { readFile } from 'node:fs/promises'
import { decodeReleaseValue } from '../../src/feeds/release-value.ts'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { lastJson, runVouch, VouchProcess } from '../kit/cli.ts'
import { LoopbackDht, type HostileAnswer } from '../kit/dht.ts'
import { FeedPublisher, NO_DISCOVERY_BUT_DHT } from '../kit/feeds.ts'
import { until } from '../kit/poll.ts'
import { Swarm } from '../kit/swarm.ts'

function auditTypes(home: string): { type: string; details: Record<string, unknown> }[] {
  const store = ReputationStore.openInHome(home)
  try {
    return [...auditRows(store.database)].map((row) => ({
      type: row.type,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }))
  } finally {
    store.close()
  }
}

describe('a followed feed on a loopback DHT', () => {
  let swarm: Swarm
  let dht: LoopbackDht | undefined
  afterEach(async () => {
    await swarm.close()
    await dht?.close()
  })

  it('vouch serve fetches, verifies and finishes release 2 by itself; a replayed release 1, a forged item and a release signed by one key of a 2-of-3 group are refused and audited; a 3-of-4 release is accepted', async () => {
    swarm = new Swarm()
    let hostileAnswer: HostileAnswer | null = null
    dht = await LoopbackDht.start(4)
    await dht.addHostile(() => hostileAnswer)
    const bootstrap = dht.bootstrapFlags
    const follower = await swarm.tempDir('vouch-follower-')
    const vouch = (home: string, ...args: string[]) =>
      runVouch(['--json', '--home', home, ...args], { timeoutMs: 60_000 })
    const publisher = await FeedPublisher.create(swarm, dht)
    const publicKey = publisher.publicKey
    const release = (sequence: number, cosigners: string[] = []) => publisher.release(sequence, cosigners)
    const keptItem = () => publisher.keptItem()

    const first = await release(1)
    const item1 = await keptItem()
    expect(first.magnet).toMatch(/^magnet:\?xs=urn:btpk:[0-9a-f]{64}&s=70726f64756374$/)

    const unpinned = await vouch(follower, 'follow', first.magnet)
    expect(unpinned.code, 'following an unpinned key is refused').toBe(3)
    expect(lastJson(unpinned)).toMatchObject({ ok: false, error: { reason: 'unknown-publisher' } })
    expect((await vouch(follower, 'trust', 'add', publicKey, '--name', 'Product')).code).toBe(0)
    const followed = await vouch(follower, 'follow', first.magnet)
    expect(followed.code, followed.stderr).toBe(0)

    const serve = new VouchProcess([
      '--json',
      '--home',
      follower,
      'serve',
      ...NO_DISCOVERY_BUT_DHT,
      ...bootstrap,
      '--feed-poll',
      '1',
    ])
    swarm.defer(async () => void (await serve.stop('SIGKILL')))
    await serve.json((line) => line.event === 'serving')
    const downloaded = (name: string) => path.join(follower, 'downloads', name)
    const finished = (payload: { name: string; bytes: Buffer }) =>
      until(`${payload.name} downloaded`, 60_000, async () => {
        const bytes = await readFile(downloaded(payload.name)).catch(() => null)
        return bytes !== null && bytes.equals(payload.bytes)
      })
    await finished(first.payload)

    const second = await release(2)
    await finished(second.payload)
    const feeds = await vouch(follower, 'feeds', 'list')
    expect(lastJson(feeds)).toMatchObject({ feeds: [{ name: 'product', lastSeq: 2, state: 'ok' }] })

    // A node replays release 1 (validly signed, older), then serves a forged release 3.
    hostileAnswer = { item: item1 }
    await until('the replay audited', 30_000, async () =>
      auditTypes(follower).some((event) => event.type === 'feed.rolled-back' && event.details.seq === 1),
    )
    const item2 = await keptItem()
    hostileAnswer = { item: { ...item2, seq: 3, signature: new Uint8Array(64).fill(7) } }
    await until('the forgery audited', 30_000, async () =>
      auditTypes(follower).some(
        (event) => event.type === 'feed.item-ignored' && event.details.problem === 'bad-signature',
      ),
    )
    expect(lastJson(await vouch(follower, 'feeds', 'list'))).toMatchObject({ feeds: [{ lastSeq: 2 }] })
    hostileAnswer = null

    // The publisher becomes a 2-of-3 group; a release signed by one of its keys is refused.
    const keyFiles = ['second.key', 'third.key', 'fourth.key'].map((name) => path.join(publisher.home, name))
    const members = await Promise.all(
      keyFiles.map(async (file) => {
        const made = await vouch(publisher.home, 'keygen', '--out', file)
        expect(made.code, made.stderr).toBe(0)
        return String(lastJson(made).publicKey)
      }),
    )
    const grouped = await vouch(
      follower,
      'trust',
      'add-group',
      'Product',
      publicKey,
      ...members.slice(0, 2),
      '--threshold',
      '2',
    )
    expect(grouped.code, grouped.stderr).toBe(0)
    await release(3)
    const refusal = await until('the one-key release refused', 30_000, async () =>
      auditTypes(follower).find((event) => event.type === 'feed.release-refused' && event.details.seq === 3),
    )
    expect(refusal.details).toMatchObject({
      reason: 'below-threshold',
      message: expect.stringMatching(/1 of 3 keys/),
    })
    // The daemon audits the refusal before it writes the feed's new state to feeds.json (under its
    // lock, synced, renamed), so the audit row can be read first: wait for the list to show it.
    const refusedFeeds = await until('the feed list to show the refusal', 30_000, async () => {
      const listed = lastJson(await vouch(follower, 'feeds', 'list'))
      return (listed.feeds as { state?: string }[] | undefined)?.[0]?.state === 'refused' && listed
    })
    expect(refusedFeeds).toMatchObject({
      feeds: [{ lastSeq: 2, state: 'refused', lastError: expect.stringMatching(/below-threshold/) }],
    })

    // The group becomes 3 of 4; release 4, signed by three of its keys, is published (three
    // envelopes only fit the item in the compact form) and finished with no user action.
    const regrouped = await vouch(
      follower,
      'trust',
      'add-group',
      'Product',
      publicKey,
      ...members,
      '--threshold',
      '3',
    )
    expect(regrouped.code, regrouped.stderr).toBe(0)
    const fourthRelease = await release(4, keyFiles.slice(0, 2))
    const item4 = await keptItem()
    expect(Buffer.from(item4.value).toString('latin1')).toContain('6:vouch2d')
    expect(decodeReleaseValue(item4.value).envelopes).toHaveLength(3)
    await finished(fourthRelease.payload)
    expect(lastJson(await vouch(follower, 'feeds', 'list'))).toMatchObject({
      feeds: [{ lastSeq: 4, state: 'ok' }],
    })
  }, 300_000)
})
