import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { makeFolderPayload } from '../kit/swarm.ts'
import { startUi, type UiHarness } from './harness.ts'

const base64 = async (file: string) => (await readFile(file)).toString('base64')

describe('the web UI in Chromium: the details pane', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('shows files, peers and pieces; deselects a file, sets a priority, adds a peer, copies the save path', async () => {
    ui = await startUi({ viewport: { width: 1280, height: 900 } })
    const { page, swarm } = ui
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    const payload = await makeFolderPayload(
      { 'a.bin': 96 * 1024, 'skip-me.bin': 96 * 1024, 'c.bin': 96 * 1024 },
      { name: 'album' },
    )
    const seeder = await swarm.seeder(payload)
    const added = await ui.call('torrents.addFile', {
      fileName: 'album.torrent',
      contentBase64: await base64(payload.torrentPath),
      allowUnsigned: true,
    })
    if (added.status !== 'added') throw new Error('not added')
    const infoHash = added.infoHash
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'album', exact: true }).click()
    const pane = page.getByRole('complementary', { name: 'album' })
    await pane.waitFor()
    // Wide: beside the list.
    const [list, side] = [await page.locator('.torrent-list').boundingBox(), await pane.boundingBox()]
    expect(side!.x).toBeGreaterThanOrEqual(list!.x + list!.width)

    await pane.getByRole('tab', { name: 'Files' }).click()
    await pane
      .getByRole('row', { name: /skip-me\.bin/ })
      .getByRole('checkbox')
      .uncheck()
    await pane.getByLabel('Priority of album/c.bin').selectOption('high')
    await expect
      .poll(async () => (await ui!.call('torrents.details', { infoHash })).files.map((file) => file.priority))
      // The metadata lists files sorted by name.
      .toEqual(['normal', 'high', 'skip'])

    await pane.getByRole('tab', { name: 'General' }).click()
    await pane.getByLabel('Add a peer').fill(seeder.address)
    await pane.getByRole('button', { name: 'Connect' }).click()
    await expect
      .poll(
        async () =>
          (await ui!.call('torrents.details', { infoHash })).files.map((file) => Math.round(file.progress)),
        { timeout: 30_000 },
      )
      .toEqual([1, 1, 0])
    await pane.getByRole('button', { name: 'Copy path' }).click()
    const details = await ui.call('torrents.details', { infoHash })
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(details.savePath)

    await pane.getByRole('tab', { name: 'Peers' }).click()
    const peerRow = pane.getByRole('row', { name: new RegExp(seeder.host.replaceAll('.', '\\.')) })
    await peerRow.waitFor()
    expect(await peerRow.locator('td[data-label="Client"]').textContent()).toMatch(/\w/)
    await pane.getByRole('tab', { name: 'Files' }).click()
    await pane.getByRole('tab', { name: 'Pieces' }).click()
    const verified = details.files[0]!.length / (32 * 1024) + details.files[1]!.length / (32 * 1024)
    await pane.getByRole('img', { name: `Pieces map: ${verified} of 9 pieces verified` }).waitFor()
    await ui.screenshot('30-details-wide')

    // Narrow: the pane takes the list's place until closed.
    await page.setViewportSize({ width: 360, height: 800 })
    expect(await page.locator('.torrent-list').isVisible()).toBe(false)
    expect(await ui.overflow()).toEqual([])
    await ui.screenshot('31-details-narrow')
    await pane.getByRole('button', { name: /Close/ }).click()
    await page.locator('.torrent-list').waitFor()
  })

  it("sets and lifts the torrent's own speed limits from the General tab, at 1280 px and at 360 px", async () => {
    ui = await startUi({ viewport: { width: 1280, height: 900 } })
    const { page, swarm } = ui
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'limited.bin' })
    const added = await ui.call('torrents.addFile', {
      fileName: 'limited.torrent',
      contentBase64: await base64(payload.torrentPath),
      allowUnsigned: true,
    })
    if (added.status !== 'added') throw new Error('not added')
    const limitsOf = async () => (await ui!.call('torrents.details', { infoHash: added.infoHash })).limits
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'limited.bin', exact: true }).click()
    const pane = page.getByRole('complementary', { name: 'limited.bin' })
    const download = pane.getByLabel('Download limit of this torrent')
    await download.waitFor()
    // The web UI shows and copies the save path; only the desktop app can open a file manager.
    await pane.getByRole('button', { name: 'Copy path' }).waitFor()
    expect(await pane.getByRole('button', { name: 'Show in file manager' }).count()).toBe(0)
    await download.fill('64')
    await download.press('Enter')
    await expect.poll(limitsOf).toEqual({ downloadLimit: 64 * 1024, uploadLimit: null })
    const upload = pane.getByLabel('Upload limit of this torrent')
    await upload.fill('8')
    // Saved when the field is left, as in the settings.
    await download.focus()
    await expect.poll(limitsOf).toEqual({ downloadLimit: 64 * 1024, uploadLimit: 8 * 1024 })
    // The global limits are untouched.
    expect((await ui.call('settings.get', {})).downloadLimit).toBeNull()

    await page.setViewportSize({ width: 360, height: 800 })
    expect(await ui.overflow()).toEqual([])
    await download.fill('')
    await download.press('Enter')
    await expect.poll(limitsOf).toEqual({ downloadLimit: null, uploadLimit: 8 * 1024 })
    await page.reload()
    await page.getByRole('button', { name: 'limited.bin', exact: true }).click()
    await expect.poll(() => pane.getByLabel('Upload limit of this torrent').inputValue()).toBe('8')
  })

  it('lists the trackers with their status and re-announces on request', async () => {
    ui = await startUi({ engine: { tracker: true } })
    const { page, swarm } = ui
    const tracker = await swarm.tracker()
    let announces = 0
    for (const event of ['start', 'update', 'complete'] as const) tracker.server.on(event, () => announces++)
    const payload = await swarm.payload({
      bytes: 64 * 1024,
      name: 'tracked.bin',
      announce: [tracker.announceUrl],
    })
    await ui.call('torrents.addFile', {
      fileName: 'tracked.torrent',
      contentBase64: await base64(payload.torrentPath),
      allowUnsigned: true,
    })
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'tracked.bin', exact: true }).click()
    const pane = page.getByRole('complementary', { name: 'tracked.bin' })
    await pane.getByRole('tab', { name: 'Trackers' }).click()
    const entry = pane.locator('.trackers li', { hasText: tracker.announceUrl })
    await entry.getByText('working').waitFor({ timeout: 15_000 })
    const seen = announces
    await pane.getByRole('tab', { name: 'General' }).click()
    await pane.getByRole('button', { name: 'Re-announce' }).click()
    await page.getByText('Announced tracked.bin again').waitFor()
    await expect.poll(() => announces, { timeout: 10_000 }).toBeGreaterThan(seen)
  })
})
