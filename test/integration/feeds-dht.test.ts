/**
 * BEP 44 on a real loopback DHT of plain bittorrent-dht nodes: an item put by one node is read by
 * another, never from a cache, and every bad answer of a hostile node is seen and named.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { itemProblem, signMutableItem } from '../../src/feeds/bep44.ts'
import { closeDht, lookupItems, openDhtNode, putItem } from '../../src/feeds/dht.ts'
import { feedNameToSalt } from '../../src/feeds/feed-magnet.ts'
import { encodeBencode } from '../../src/provenance/bencode.ts'
import { KEY_A } from '../fixtures/provenance/build.ts'
import { LoopbackDht } from '../kit/dht.ts'
import { nextLoopbackAddress } from '../kit/swarm.ts'

const feed = { publicKey: KEY_A.publicKey, salt: feedNameToSalt('product') }
const release = (seq: number) =>
  signMutableItem({ salt: feed.salt, seq, value: encodeBencode({ ih: new Uint8Array(20).fill(seq) }) }, KEY_A)

let dht: LoopbackDht | undefined
afterEach(async () => {
  await dht?.close()
  dht = undefined
})

describe('BEP 44 on a loopback DHT', () => {
  it('an item one node puts is read by another, and a newer seq replaces it', async () => {
    dht = await LoopbackDht.start(4)
    const publisher = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
    const follower = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
    try {
      expect(await putItem(publisher, release(1))).toBeGreaterThan(0)
      const first = await lookupItems(follower, feed)
      expect(first.answers.length).toBeGreaterThan(0)
      for (const answer of first.answers) {
        expect(itemProblem(answer.item, feed, answer.answeredSalt)).toBeNull()
        expect(answer.item.seq).toBe(1)
      }
      await putItem(publisher, release(2))
      const second = await lookupItems(follower, feed)
      expect(Math.max(...second.answers.map((answer) => answer.item.seq))).toBe(2)
    } finally {
      await closeDht(publisher)
      await closeDht(follower)
    }
  })

  it('sees and names each kind of answer a hostile node makes up', async () => {
    dht = await LoopbackDht.start(3)
    let answer: Parameters<LoopbackDht['addHostile']>[0] = () => null
    const hostile = await dht.addHostile(() => answer())
    const follower = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
    const from = `${hostile.address().address}:${hostile.address().port}`
    const problemFromHostile = async () => {
      const { answers } = await lookupItems(follower, feed)
      const mine = answers.find((candidate) => candidate.from === from)
      expect(mine, 'the hostile node answered').toBeDefined()
      return mine ? itemProblem(mine.item, feed, mine.answeredSalt) : 'none'
    }
    try {
      const good = release(3)
      answer = () => ({ item: { ...good, signature: new Uint8Array(64).fill(9) } })
      expect(await problemFromHostile()).toBe('bad-signature')
      answer = () => ({ item: good, rawValue: { ih: Buffer.alloc(20), pad: Buffer.alloc(1100) } })
      expect(await problemFromHostile()).toBe('oversized')
      const otherFeed = signMutableItem({ salt: feedNameToSalt('other'), seq: 3, value: good.value }, KEY_A)
      answer = () => ({ item: otherFeed, salt: otherFeed.salt })
      expect(await problemFromHostile()).toBe('wrong-salt')
      answer = () => ({ item: otherFeed })
      expect(await problemFromHostile()).toBe('bad-signature')
      answer = () => ({ item: release(1) })
      expect(await problemFromHostile()).toBeNull()
    } finally {
      await closeDht(follower)
    }
  })
})
