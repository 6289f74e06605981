import { afterEach, describe, expect, it } from 'vitest'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

describe('the web UI in Chromium: row actions and the deliberate unsigned download', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('pauses a torrent (nothing arrives, even from a peer added meanwhile) and resumes it to completion', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await signedPayload(swarm, publisher, { bytes: 512 * 1024, name: 'pausable.bin' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    const row = page.getByRole('row', { name: /pausable\.bin/ })
    await row.getByRole('button', { name: 'Pause pausable.bin' }).click()
    await expect.poll(() => row.getAttribute('data-state')).toBe('paused')
    expect(await row.locator('.subline').textContent()).toContain('Paused')

    const [torrent] = await ui.call('torrents.list', {})
    await ui.call('torrents.addPeer', { infoHash: torrent!.infoHash, address: seeder.address })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await ui.call('torrents.list', {}))[0]).toMatchObject({ paused: true, downloaded: 0 })

    await row.getByRole('button', { name: 'Resume pausable.bin' }).click()
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    expect((await ui.call('torrents.list', {}))[0]).toMatchObject({ paused: false, state: 'seeding' })
  })

  it('says a torrent is already there when it is added twice', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await signedPayload(swarm, publisher, { bytes: 64 * 1024, name: 'twice.bin' })
    await page.goto(ui.server.url)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    await page.getByText('Added twice.bin').waitFor()
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    await page.getByText('twice.bin is already there').waitFor()
    expect(await page.getByRole('row', { name: /twice\.bin/ }).count()).toBe(1)
  })

  it('downloads an unsigned torrent only after "Download anyway" says what that means, and audits the override', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'unsigned-but-wanted.bin' })
    const seeder = await swarm.seeder(payload)
    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.torrentPath)

    const dialog = page.getByRole('dialog', { name: /Refused/ })
    await dialog.getByText('carries no publisher signature').waitFor()
    expect(await ui.call('torrents.list', {})).toEqual([])
    await dialog.getByRole('button', { name: 'Download anyway…' }).click()
    await dialog.getByText('without knowing who made it').waitFor()
    await dialog.getByText('recorded in the audit log').waitFor()
    await ui.screenshot('20-download-anyway')
    await dialog.getByRole('button', { name: 'Download without a signature' }).click()

    const row = page.getByRole('row', { name: /unsigned-but-wanted\.bin/ })
    await row.getByText('Unsigned (allowed by you)').waitFor()
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
    const [torrent] = await ui.call('torrents.list', {})
    const store = ui.backend.reputation.store
    store.flush()
    const overrides = [...auditRows(store.database)].filter((entry) => entry.type === 'provenance.override')
    expect(overrides.map((entry) => entry.subject)).toEqual([torrent!.infoHash])
    expect(JSON.parse(overrides[0]!.details)).toMatchObject({ reason: 'unsigned' })

    // The Audit log screen shows it, filtered by kind.
    await page.getByRole('button', { name: 'Audit log', exact: true }).click()
    await page.getByLabel('Kind').selectOption('provenance.override')
    const entries = page.locator('tbody tr')
    await expect.poll(() => entries.count()).toBe(1)
    expect(await entries.getAttribute('data-kind')).toBe('provenance.override')
    await ui.screenshot('21-audit-override')
  })

  it('never offers "Download anyway" for a revoked key', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    const pinned = await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Compromised' })
    await ui.call('trust.revoke', { fingerprint: pinned.fingerprint })
    const payload = await signedPayload(swarm, publisher, { bytes: 64 * 1024, name: 'revoked.bin' })
    await page.goto(ui.server.url)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    const dialog = page.getByRole('dialog', { name: /Refused/ })
    await dialog.getByText('The publisher key was revoked.').waitFor()
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Close'])
  })
})
