import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

describe('the web UI in Chromium: settings and notifications', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('saves every change in HOME at once: the download folder and a limit apply to the next download, the theme to the window', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const { home } = await ui.call('app.info', {})
    const folder = await swarm.tempDir('vouch-chosen-folder-')
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByLabel('Download folder').fill(folder)
    await page.getByLabel('Download folder').press('Enter')
    await page.getByLabel('Download limit').fill('64')
    await page.getByLabel('Download limit').press('Enter')
    await page.getByLabel('Stop seeding at ratio').fill('2.5')
    await page.getByLabel('Maximum active downloads').fill('3')
    await page.getByLabel('Peer exchange (PEX)').uncheck()
    await page.getByLabel('Theme', { exact: true }).first().selectOption('dark')
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    // The window shows a change at once; the file follows when the back end has written it.
    const saved = async () =>
      JSON.parse(await readFile(path.join(home, 'settings.json'), 'utf8')) as Record<string, unknown>
    await expect.poll(saved, { timeout: 10_000 }).toMatchObject({
      downloadDir: folder,
      downloadLimit: 64 * 1024,
      seedRatioLimit: 2.5,
      maxActiveDownloads: 3,
      pex: false,
      theme: 'dark',
    })
    await ui.screenshot('50-settings-dark')

    // The next download goes to the chosen folder, no faster than the limit allows.
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await signedPayload(swarm, publisher, { bytes: 256 * 1024, name: 'limited.bin' })
    const seeder = await swarm.seeder(payload)
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    const started = Date.now()
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    // 256 KiB at 64 KiB/s is 4 s; allow for a first burst, never for an unthrottled loopback.
    expect(Date.now() - started).toBeGreaterThan(2000)
    expect((await readFile(path.join(folder, 'limited.bin'))).equals(payload.bytes)).toBe(true)

    // A reload reads them back from the back end.
    await page.reload()
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    expect(await page.getByLabel('Download limit').inputValue()).toBe('64')
    expect(await page.getByLabel('Peer exchange (PEX)').isChecked()).toBe(false)
  })

  it('notifies through the Notification API when turned on, and not when off', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    await page.context().grantPermissions(['notifications'])
    // Record what the page shows: the real Notification, wrapped to remember each title.
    await page.addInitScript(() => {
      const Real = window.Notification
      const shown: string[] = []
      ;(window as unknown as { shown: string[] }).shown = shown
      window.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options)
          shown.push(`${title}: ${options?.body ?? ''}`)
        }
      } as typeof Notification
    })
    const shown = () => page.evaluate(() => (window as unknown as { shown: string[] }).shown)
    await ui.call('settings.set', { notifications: false })
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const first = await signedPayload(swarm, publisher, { bytes: 64 * 1024, name: 'quiet.bin' })
    const second = await signedPayload(swarm, publisher, { bytes: 64 * 1024, name: 'announced.bin' })
    const seeders = [await swarm.seeder(first), await swarm.seeder(second)]
    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeders.map((seeder) => seeder.address).join(' '))
    await page.getByLabel('.torrent file').setInputFiles(first.signedTorrentPath)
    await page.getByText('Finished quiet.bin').waitFor({ timeout: 30_000 })
    expect(await shown()).toEqual([])

    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByLabel('Desktop notifications').check()
    await expect.poll(async () => (await ui!.call('settings.get', {})).notifications).toBe(true)
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    await page.getByLabel('.torrent file').setInputFiles(second.signedTorrentPath)
    await expect.poll(shown, { timeout: 30_000 }).toEqual(['Download finished: announced.bin'])
  })
})
