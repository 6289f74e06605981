import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeRotation, signRotation } from '../../src/provenance/rotation.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

describe('the web UI in Chromium: publisher groups and key rotation', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('adds a 2-of-3 group on the trust screen; one key’s torrent is refused below-threshold, two keys’ is accepted', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const [first, second, third] = [newPublisher(), newPublisher(), newPublisher()]
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Trust' }).click()
    await page.getByLabel('Group name').fill('Distro')
    await page.getByLabel('Signatures required (k)').fill('2')
    await page
      .getByLabel('Keys, one per line')
      .fill([first, second, third].map((publisher) => publisher.publicKey).join('\n'))
    await page.getByRole('button', { name: 'Add group' }).click()
    const groupRow = page.getByRole('row', { name: /Distro/ }).filter({ hasText: '2 of 3' })
    await groupRow.waitFor()
    for (const publisher of [first, second, third])
      expect(await groupRow.textContent()).toContain(publisher.fingerprint)
    // Each member's own row says that alone it signs nothing.
    const memberRow = page.locator(`tr[data-fingerprint="${first.fingerprint}"]`)
    expect(await memberRow.textContent()).toContain('in group Distro: counts only with 1 more of its 3 keys')
    await ui.screenshot('trust-group')
    await page.setViewportSize({ width: 360, height: 800 })
    expect(await ui.overflow(), 'the groups at 360 px').toEqual([])
    await page.setViewportSize({ width: 1200, height: 760 })

    const payload = await signedPayload(swarm, first, { bytes: 256 * 1024, name: 'distro.iso' })
    const seeder = await swarm.seeder(payload)
    await page.getByRole('button', { name: 'Torrents' }).click()
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    const dialog = page.getByRole('dialog', { name: /Refused/ })
    await dialog.waitFor()
    const text = await dialog.textContent()
    expect(text).toContain("1 valid signature of the 2 required: group 'Distro' needs 2 of its 3 keys")
    expect(text).toContain('below-threshold')
    expect(await dialog.getByRole('button', { name: 'Download anyway…' }).count()).toBe(0)
    expect(await dialog.getByRole('button', { name: 'Pin this publisher…' }).count()).toBe(0)
    await ui.screenshot('refused-below-threshold')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await ui.call('torrents.list', {})).toEqual([])
    expect(seeder.requestsReceived).toBe(0)

    const cosigned = path.join(payload.dir, 'distro.cosigned.torrent')
    // The same torrent with a second envelope, from another key of the group.
    await writeFile(cosigned, signTorrent(await readFile(payload.signedTorrentPath), third.key).bytes)
    await page.getByLabel('.torrent file').setInputFiles(cosigned)
    const row = page.getByRole('row', { name: /distro\.iso/ })
    await row.waitFor()
    await expect.poll(() => row.textContent()).toContain(first.fingerprint)
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 30_000 })
  })

  it('applies a rotation from the trust screen after showing old and new fingerprints; the old key shows as rotated', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const [old, next] = [newPublisher(), newPublisher()]
    await ui.call('trust.pin', { publicKey: old.publicKey, name: 'Releases' })
    const statement = signRotation(
      { oldKey: old.key.publicKey, newKey: next.key.publicKey, created: Math.floor(Date.now() / 1000) - 60 },
      [old.key],
    )
    const file = path.join(await swarm.tempDir('vouch-rotation-'), 'rotation.bin')
    await writeFile(file, encodeRotation(statement))
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Trust' }).click()
    await page.getByLabel('Rotation statement file').setInputFiles(file)
    const confirm = page.getByRole('group', { name: /Apply rotation\?/ })
    await confirm.waitFor()
    expect(await confirm.locator('.old-fingerprint').textContent()).toBe(old.fingerprint)
    expect(await confirm.locator('.new-fingerprint').textContent()).toBe(next.fingerprint)
    expect(await confirm.textContent()).toContain('Releases')
    // Nothing moves before the user confirms.
    expect((await ui.call('trust.list', {})).publishers.map((entry) => entry.status)).toEqual(['pinned'])
    await ui.screenshot('trust-rotation-confirm')
    await confirm.getByRole('button', { name: 'Apply rotation' }).click()

    const oldRow = page.locator(`tr[data-fingerprint="${old.fingerprint}"]`)
    await expect.poll(() => oldRow.textContent()).toContain(`rotated → ${next.fingerprint}`)
    const newRow = page.locator(`tr[data-fingerprint="${next.fingerprint}"]`)
    await expect.poll(() => newRow.textContent()).toContain('Releases')
    expect(await newRow.getAttribute('data-status')).toBe('pinned')
    await page.setViewportSize({ width: 360, height: 800 })
    expect(await ui.overflow(), 'a rotated key at 360 px').toEqual([])
    await expect.poll(() => confirm.count(), { timeout: 10_000 }).toBe(0)
  })

  it('shows why a rotation statement not signed by the old key is refused, and moves nothing', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const [old, next, stranger] = [newPublisher(), newPublisher(), newPublisher()]
    await ui.call('trust.pin', { publicKey: old.publicKey, name: 'Releases' })
    const file = path.join(await swarm.tempDir('vouch-rotation-'), 'forged.bin')
    await writeFile(
      file,
      encodeRotation(
        signRotation({ oldKey: old.key.publicKey, newKey: next.key.publicKey, created: 1_767_225_600 }, [
          stranger.key,
        ]),
      ),
    )
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Trust' }).click()
    await page.getByLabel('Rotation statement file').setInputFiles(file)
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/refused: it is not signed by the old key/)
    expect(await page.getByRole('button', { name: 'Apply rotation' }).count()).toBe(0)
    expect((await ui.call('trust.list', {})).publishers.map((entry) => entry.status)).toEqual(['pinned'])
  })
})
