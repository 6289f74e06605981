/**
 * BEP 44/46 feeds against libtorrent's DHT (python3-libtorrent), both ways, on a loopback DHT of
 * plain nodes: libtorrent reads the item Vouch published, and Vouch reads and follows an item
 * libtorrent put.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import { itemProblem, signMutableItem } from '../../src/feeds/bep44.ts'
import { closeDht, lookupItems, openDhtNode, putItem } from '../../src/feeds/dht.ts'
import { feedNameToSalt } from '../../src/feeds/feed-magnet.ts'
import { checkRelease } from '../../src/feeds/release-check.ts'
import { encodeReleaseValue } from '../../src/feeds/release-value.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { KEY_A, SEED_A, buildTorrent } from '../fixtures/provenance/build.ts'
import { LoopbackDht } from '../kit/dht.ts'
import { LineProcess } from '../kit/process.ts'
import { nextLoopbackAddress, withTimeout } from '../kit/swarm.ts'
import { SYSTEM_PYTHON, describeWith, libtorrent } from './clients.ts'

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'libtorrent_dht.py')
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const pinnedA = {
  publishers: [
    {
      fingerprint: KEY_A.fingerprint,
      name: 'A',
      publicKey: KEY_A.publicKey,
      expiresAt: null,
      scope: null,
      revokedAt: null,
    },
  ],
  sequences: new Map(),
}

describeWith(libtorrent, 'feeds interop with libtorrent’s DHT', () => {
  let dht: LoopbackDht | undefined
  let child: LineProcess | undefined
  afterEach(async () => {
    await child?.stop('SIGKILL')
    await dht?.close()
  })

  const release = (sequence: number) => {
    const signed = signTorrent(buildTorrent(`product-${sequence}.txt`), KEY_A, { sequence })
    return {
      signed,
      value: encodeReleaseValue({
        infoHash: new Uint8Array(Buffer.from(signed.infoHash, 'hex')),
        envelopes: [signed.envelope],
      }),
    }
  }

  it('libtorrent reads the feed item Vouch published: same seq, infohash and signature', async () => {
    dht = await LoopbackDht.start(4)
    const salt = feedNameToSalt('product')
    const item = signMutableItem({ salt, seq: 3, value: release(3).value }, KEY_A)
    const publisher = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
    try {
      expect(await putItem(publisher, item)).toBeGreaterThan(0)
    } finally {
      await closeDht(publisher)
    }
    child = new LineProcess(SYSTEM_PYTHON, [
      SCRIPT,
      'get',
      nextLoopbackAddress(),
      dht.bootstrap.join(','),
      hex(KEY_A.publicKey),
      hex(salt),
    ])
    const found = await child.json<{
      event: string
      seq: number
      value: string
      signature: string
      message?: string
    }>((event) => event.event === 'item' || event.event === 'error', 90_000)
    // libtorrent reports only items whose signature and target it verified itself.
    expect(found, found.message).toMatchObject({
      event: 'item',
      seq: 3,
      ih: release(3).signed.infoHash,
      signature: hex(item.signature),
    })
  }, 120_000)

  it('Vouch reads a feed item libtorrent put: signature and target check out and its release passes the gate', async () => {
    dht = await LoopbackDht.start(4)
    const salt = feedNameToSalt('product')
    const { value } = release(1)
    child = new LineProcess(SYSTEM_PYTHON, [
      SCRIPT,
      'put',
      nextLoopbackAddress(),
      dht.bootstrap.join(','),
      hex(SEED_A),
      hex(salt),
      hex(value),
      hex(KEY_A.publicKey),
    ])
    const put = await child.json<{ event: string; stored?: number; message?: string }>(
      (event) => event.event === 'put' || event.event === 'error',
      90_000,
    )
    expect(put, put.message).toMatchObject({ event: 'put' })
    const follower = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
    try {
      const { answers } = await withTimeout(
        lookupItems(follower, { publicKey: KEY_A.publicKey, salt }),
        30_000,
        'lookup',
      )
      expect(answers.length).toBeGreaterThan(0)
      const [answer] = answers
      if (!answer) throw new Error('no answer')
      expect(itemProblem(answer.item, { publicKey: KEY_A.publicKey, salt }, answer.answeredSalt)).toBeNull()
      expect(answer.item.seq, 'libtorrent numbers its first put 1, the release’s sequence').toBe(1)
      const check = checkRelease(answer.item, pinnedA, Date.now())
      expect(check.ok && check.infoHash, check.ok ? '' : check.message).toBe(release(1).signed.infoHash)
    } finally {
      await closeDht(follower)
    }
  }, 120_000)
})
