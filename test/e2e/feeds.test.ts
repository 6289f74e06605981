/**
 * The Feeds screen in Chromium over a loopback DHT: subscribe by pasting a feed magnet, pin its
 * key deliberately, see the feed's last seq, last update, next poll and state; a release the
 * publisher puts later appears and starts with no user action.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LoopbackDht } from '../kit/dht.ts'
import { FeedPublisher } from '../kit/feeds.ts'
import { startUi, type UiHarness } from './harness.ts'

describe('the web UI in Chromium: the Feeds screen', () => {
  let ui: UiHarness | undefined
  let dht: LoopbackDht | undefined
  afterEach(async () => {
    await ui?.close()
    await dht?.close()
    ui = undefined
    dht = undefined
  })

  it('follows a pasted feed magnet after a deliberate pin, shows its state, and starts release 2 by itself', async () => {
    dht = await LoopbackDht.start(4)
    ui = await startUi({
      // The DHT on, joined only through the loopback nodes; trackers, LSD and NAT traversal stay off.
      engine: { dht: true, dhtBootstrap: dht.bootstrap },
      feedPollIntervalMs: 1000,
    })
    const { page, swarm } = ui
    const publisher = await FeedPublisher.create(swarm, dht)
    const first = await publisher.release(1)

    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Feeds' }).click()
    await page.getByLabel('Feed magnet').fill(first.magnet)
    await page.getByRole('button', { name: 'Look up' }).click()
    const offer = page.getByLabel('Feed to follow')
    await offer.waitFor()
    expect(await offer.locator('.fingerprint').first().textContent()).toBe(publisher.fingerprint)
    expect(await offer.locator('.public-key').textContent()).toBe(publisher.publicKey)
    const follow = offer.getByRole('button', { name: 'Pin key and follow' })
    // Deliberate, as in the refusal dialog: a name and a checked fingerprint before the pin.
    expect(await follow.isDisabled()).toBe(true)
    await offer.getByLabel('Name for this publisher').fill('Product releases')
    expect(await follow.isDisabled()).toBe(true)
    await offer.getByLabel(/I checked the fingerprint/).check()
    await ui.screenshot('feeds-subscribe')
    await follow.click()

    const row = page.getByRole('row', { name: /product/ })
    await row.waitFor()
    expect(await row.textContent()).toContain(publisher.fingerprint)
    const cells = row.getByRole('cell')
    // Last release, last update, next poll, state.
    await expect.poll(() => cells.nth(0).textContent(), { timeout: 30_000 }).toBe('#1')
    expect(await cells.nth(1).textContent()).not.toBe('—')
    await expect.poll(() => cells.nth(2).textContent()).not.toBe('—')
    await expect.poll(() => cells.nth(3).textContent()).toBe('ok')
    const { publishers } = await ui.call('trust.list', {})
    expect(publishers.map((entry) => [entry.name, entry.fingerprint])).toEqual([
      ['Product releases', publisher.fingerprint],
    ])
    await ui.screenshot('feeds-following')

    const second = await publisher.release(2)
    await expect.poll(() => cells.nth(0).textContent(), { timeout: 30_000 }).toBe('#2')
    await page.getByRole('button', { name: 'Torrents' }).click()
    await page.getByRole('row', { name: /product-2\.bin/ }).waitFor({ timeout: 30_000 })
    const { downloadDir } = await ui.call('app.info', {})
    await expect
      .poll(
        async () =>
          (await readFile(path.join(downloadDir, second.payload.name)).catch(() => null))?.equals(
            second.payload.bytes,
          ),
        {
          timeout: 60_000,
        },
      )
      .toBe(true)
  }, 180_000)
})
