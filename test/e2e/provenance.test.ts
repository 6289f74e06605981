import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

describe('the web UI in Chromium: provenance', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('pins a publisher on the trust screen, then its signed torrent shows the badge and completes', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    const payload = await signedPayload(swarm, publisher, { bytes: 1024 * 1024, name: 'signed-release.iso' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)

    await page.getByRole('button', { name: 'Trust' }).click()
    await page.getByLabel('Public key').fill(publisher.publicKey)
    await page.getByLabel('Name', { exact: true }).fill('Example Releases')
    await page.getByRole('button', { name: 'Pin publisher' }).click()
    const pinnedRow = page.getByRole('row', { name: /Example Releases/ })
    await pinnedRow.waitFor()
    expect(await pinnedRow.textContent()).toContain(publisher.fingerprint)
    expect(await pinnedRow.textContent()).toContain('pinned')
    await ui.screenshot('05-trust')

    await page.getByRole('button', { name: 'Torrents' }).click()
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    const row = page.getByRole('row', { name: /signed-release\.iso/ })
    await row.waitFor()
    await expect
      .poll(() => row.textContent())
      .toContain(`Signed by Example Releases ${publisher.fingerprint}`)
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    await ui.screenshot('06-signed-complete')
    const { downloadDir } = await ui.call('app.info', {})
    expect((await readFile(path.join(downloadDir, 'signed-release.iso'))).equals(payload.bytes)).toBe(true)
  })

  it('refuses an unsigned torrent with its reason: nothing requested, no file created', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'unsigned.bin' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.torrentPath)

    const dialog = page.getByRole('dialog', { name: /Refused/ })
    await dialog.waitFor()
    const text = await dialog.textContent()
    expect(text).toContain('The torrent carries no publisher signature.')
    expect(text).toContain('unsigned')
    expect(text).toContain('Nothing was downloaded and no file was created.')
    // Nobody signed it, so there is no key to pin.
    expect(await dialog.getByRole('button', { name: 'Pin this publisher…' }).count()).toBe(0)
    await ui.screenshot('07-refused-unsigned')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)

    expect(await ui.call('torrents.list', {})).toEqual([])
    expect(seeder.requestsReceived).toBe(0)
    const { downloadDir } = await ui.call('app.info', {})
    expect(await readdir(downloadDir)).toEqual([])
  })

  it('shows an unknown publisher’s fingerprint, and after a deliberate pin accepts the torrent', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    const payload = await signedPayload(swarm, publisher, { bytes: 512 * 1024, name: 'new-publisher.tar' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)

    const dialog = page.getByRole('dialog', { name: /Refused/ })
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('It is signed, but by a key you have not pinned.')
    expect(await dialog.locator('.fingerprint').first().textContent()).toBe(publisher.fingerprint)
    expect(await dialog.locator('.public-key').textContent()).toBe(publisher.publicKey)
    await ui.screenshot('08-refused-unknown-publisher')

    await dialog.getByRole('button', { name: 'Pin this publisher…' }).click()
    const pin = dialog.getByRole('button', { name: 'Pin and add again' })
    await dialog.getByLabel('Name for this publisher').fill('New Publisher')
    // Deliberate: the fingerprint must be confirmed before pinning is possible.
    expect(await pin.isDisabled()).toBe(true)
    await dialog.getByLabel(/I checked that/).check()
    await ui.screenshot('09-pin-publisher')
    await pin.click()
    await expect.poll(() => dialog.count()).toBe(0)

    const row = page.getByRole('row', { name: /new-publisher\.tar/ })
    await row.waitFor()
    await expect.poll(() => row.textContent()).toContain(`Signed by New Publisher ${publisher.fingerprint}`)
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    const { publishers: pinned } = await ui.call('trust.list', {})
    expect(pinned.map((entry) => [entry.name, entry.fingerprint, entry.status])).toEqual([
      ['New Publisher', publisher.fingerprint, 'pinned'],
    ])
  })

  it('renames, revokes and removes keys on the trust screen', async () => {
    ui = await startUi()
    const { page } = ui
    const kept = newPublisher()
    const dropped = newPublisher()
    await ui.call('trust.pin', { publicKey: kept.publicKey, name: 'Kept' })
    await ui.call('trust.pin', { publicKey: dropped.publicKey, name: 'Dropped' })
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Trust' }).click()

    await page.getByRole('button', { name: 'Rename Kept' }).click()
    await page.getByLabel(`New name for ${kept.fingerprint}`).fill('Kept, renamed')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('row', { name: /Kept, renamed/ }).waitFor()

    await page.getByRole('button', { name: 'Remove Dropped' }).click()
    await expect.poll(() => page.getByRole('row', { name: /Dropped/ }).count()).toBe(0)

    await page.getByRole('button', { name: 'Revoke… Kept, renamed' }).click()
    await page.getByRole('button', { name: 'Revoke forever' }).click()
    await expect
      .poll(() => page.getByRole('row', { name: /Kept, renamed/ }).textContent())
      .toContain('revoked')
    await ui.screenshot('10-trust-revoked')
    const { publishers: listed } = await ui.call('trust.list', {})
    expect(listed.map((entry) => [entry.name, entry.status])).toEqual([['Kept, renamed', 'revoked']])
  })
})
