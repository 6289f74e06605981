/**
 * BEP 44/46 feeds against libtorrent's DHT (python3-libtorrent), both ways, on a loopback DHT of
 * plain nodes: libtorrent reads the item Vouch published, and Vouch reads and follows an item
 * libtorrent put; each with one envelope (`vouch`) and with three co-signers (the compact `vouch2`).
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
import { KEY_A, KEY_B, KEY_C, SEED_A, buildTorrent } from '../fixtures/provenance/build.ts'
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

  /** Release `sequence` signed by KEY_A and, for `signers` 3, co-signed by KEY_B and KEY_C. */
  const release = (sequence: number, signers: number) => {
    const torrent = buildTorrent(`product-${sequence}.txt`)
    const all = [KEY_A, KEY_B, KEY_C].slice(0, signers).map((key) => signTorrent(torrent, key, { sequence }))
    const [signed] = all
    if (!signed) throw new Error('no signer')
    const value = encodeReleaseValue({
      infoHash: new Uint8Array(Buffer.from(signed.infoHash, 'hex')),
      envelopes: all.map((one) => one.envelope),
    })
    expect(Buffer.from(value).toString('latin1')).toContain(signers > 1 ? '6:vouch2d' : '5:vouchl')
    return { signed, value }
  }

  it.each([1, 3])(
    'libtorrent reads the feed item Vouch published (%i signer(s)): same seq, infohash and signature',
    async (signers) => {
      dht = await LoopbackDht.start(4)
      const salt = feedNameToSalt('product')
      const item = signMutableItem({ salt, seq: 3, value: release(3, signers).value }, KEY_A)
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
        ih: release(3, signers).signed.infoHash,
        signature: hex(item.signature),
      })
    },
    120_000,
  )

  it.each([1, 3])(
    'Vouch reads a feed item libtorrent put (%i signer(s)): signature and target check out and its release passes the gate',
    async (signers) => {
      dht = await LoopbackDht.start(4)
      const salt = feedNameToSalt('product')
      const { value } = release(1, signers)
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
      const put = await child.json<{ event: string; stored?: number; seq?: number; message?: string }>(
        (event) => event.event === 'put' || event.event === 'error',
        90_000,
      )
      // One put: a second over a stored first one would be numbered 2 and not match the release.
      expect(put, put.message).toMatchObject({ event: 'put', seq: 1 })
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
        expect(check.ok && check.infoHash, check.ok ? '' : check.message).toBe(
          release(1, signers).signed.infoHash,
        )
        if (check.ok) expect(check.envelopes, 'every co-signer’s envelope read back').toHaveLength(signers)
      } finally {
        await closeDht(follower)
      }
    },
    120_000,
  )
})
