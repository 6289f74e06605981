import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

describe('the web UI in Chromium: torrents', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('adds a .torrent file, shows progress, and the download completes with the right bytes', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await signedPayload(swarm, publisher, { bytes: 2 * 1024 * 1024, name: 'release.bin' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)
    await expect.poll(() => page.url()).not.toContain('token=')
    await page.getByText('No torrents yet').waitFor()
    await ui.screenshot('01-empty')

    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)

    const row = page.getByRole('row', { name: /release\.bin/ })
    await row.waitFor()
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    await expect.poll(() => row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100')
    await expect.poll(() => row.textContent()).toContain('Seeding')
    await ui.screenshot('02-torrent-complete')

    const { downloadDir } = await ui.call('app.info', {})
    expect((await readFile(path.join(downloadDir, 'release.bin'))).equals(payload.bytes)).toBe(true)
  })

  it('adds a magnet link and a dropped .torrent file, and removes a torrent', async () => {
    ui = await startUi({ colorScheme: 'dark' })
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const first = await signedPayload(swarm, publisher, { bytes: 256 * 1024, name: 'magnet-payload.bin' })
    const second = await signedPayload(swarm, publisher, { bytes: 256 * 1024, name: 'dropped-payload.bin' })
    const firstSeeder = await swarm.seeder(first)
    const secondSeeder = await swarm.seeder(second)
    await page.goto(ui.server.url)

    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(`${firstSeeder.address} ${secondSeeder.address}`)
    // A magnet that carries the publisher's envelope: verified before any connection.
    await page.getByLabel('Magnet link or infohash').fill(first.signedMagnet)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByRole('row', { name: /magnet-payload\.bin/ }).waitFor({ timeout: 20_000 })

    // Drag and drop: a real drop event carrying a File, as the browser builds it for a drag from the desktop.
    const bytes = [...(await readFile(second.signedTorrentPath))]
    const dataTransfer = await page.evaluateHandle((content) => {
      const transfer = new DataTransfer()
      transfer.items.add(
        new File([new Uint8Array(content)], 'dropped.torrent', { type: 'application/x-bittorrent' }),
      )
      return transfer
    }, bytes)
    await page.locator('.app').dispatchEvent('dragover', { dataTransfer })
    await page.getByText('Drop .torrent files').waitFor()
    await page.locator('.app').dispatchEvent('drop', { dataTransfer })
    await page.getByRole('row', { name: /dropped-payload\.bin/ }).waitFor()
    await expect
      .poll(() => page.locator('tr[data-done="true"]').count(), { timeout: 30_000 })
      .toBe(2)
      .catch(async (error: unknown) => {
        await ui?.screenshot('debug')
        console.log(JSON.stringify(await ui?.call('torrents.list', {})))
        throw error
      })
    await ui.screenshot('03-torrents-dark')

    // Space on a focused Remove opens the confirmation with Cancel focused: a second Space cancels.
    const { downloadDir } = await ui.call('app.info', {})
    await page.getByRole('button', { name: 'Remove magnet-payload.bin' }).focus()
    await page.keyboard.press('Space')
    const dialog = page.getByRole('dialog', { name: /Remove magnet-payload\.bin/ })
    await dialog.waitFor()
    await page.keyboard.press('Space')
    await dialog.waitFor({ state: 'detached' })
    expect(await ui.call('torrents.list', {})).toHaveLength(2)

    // Remove, keeping the data; then remove the other and delete its data.
    await page.getByRole('button', { name: 'Remove magnet-payload.bin' }).click()
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click()
    await expect.poll(() => page.getByRole('row', { name: /magnet-payload\.bin/ }).count()).toBe(0)
    expect((await ui.call('torrents.list', {})).map((torrent) => torrent.name)).toEqual([
      'dropped-payload.bin',
    ])
    expect((await readFile(path.join(downloadDir, 'magnet-payload.bin'))).equals(first.bytes)).toBe(true)
    await page.getByRole('button', { name: 'Remove dropped-payload.bin' }).click()
    const deleting = page.getByRole('dialog', { name: /Remove dropped-payload\.bin/ })
    await deleting.getByLabel('Also delete the downloaded data').check()
    await deleting.getByRole('button', { name: 'Remove and delete data' }).click()
    await page.getByText('No torrents yet').waitFor()
    await expect
      .poll(() =>
        access(path.join(downloadDir, 'dropped-payload.bin')).then(
          () => 'there',
          () => 'gone',
        ),
      )
      .toBe('gone')
  })

  it('is usable from the keyboard alone: skip link, navigation in order, theme and the add form', async () => {
    ui = await startUi()
    const { page } = ui
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')
    await page.goto(ui.server.url)
    await page.getByRole('heading', { name: 'Torrents' }).waitFor()
    await page.keyboard.press('Tab')
    await expect.poll(focused).toBe('Skip to content')
    const order: string[] = []
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      order.push(await focused())
    }
    expect(order).toEqual(['Torrents', 'Peers', 'Bans', 'Trust', 'Feeds', 'Activity', 'Rules', 'Audit log'])
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Activity' }).waitFor()
    await page.getByRole('img', { name: /Last \d+ (s|min|h)|No activity/ }).waitFor()
    for (const _ of ['Rules', 'Audit log', 'Settings', 'Theme']) await page.keyboard.press('Tab')
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('SELECT')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await ui.screenshot('04-activity-dark')

    // The add form: type a magnet and press Enter.
    await page.getByRole('button', { name: 'Torrents' }).focus()
    await page.keyboard.press('Enter')
    await page.getByLabel('Magnet link or infohash').focus()
    await page.keyboard.type(`magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=typed`)
    await page.keyboard.press('Enter')
    // No envelope: the gate holds it (nothing selected, nothing written) until a signature arrives.
    await page.getByRole('row', { name: /Held: waiting for a signature/ }).waitFor()
  })
})
