import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUi, type UiHarness } from './harness.ts'
import { buildScene, type Scene } from './scene.ts'

const escaped = (text: string) => new RegExp(text.replaceAll('.', '\\.'))

describe('the web UI in Chromium: peers and bans screens', () => {
  let ui: UiHarness
  let scene: Scene
  beforeAll(async () => {
    ui = await startUi({ viewport: { width: 1280, height: 900 } })
    scene = await buildScene(ui)
    await ui.page.goto(ui.server.url)
  }, 120_000)
  afterAll(() => ui?.close())

  it('names each peer’s client and torrent, shows the poisoner’s hash failures and bad data, sorts, and bans and unbans from a row', async () => {
    const { page } = ui
    await page.getByRole('button', { name: 'Peers', exact: true }).click()
    const honest = page.locator('tr[data-banned="false"]').first()
    await honest.waitFor()
    const honestAddress = (await honest.getAttribute('data-address'))!
    expect(await honest.locator('td[data-label="Client"]').textContent()).toMatch(/WebTorrent/)
    expect(await honest.locator('td[data-label="Torrents"]').textContent()).toBe(scene.doneName)
    const poisoner = page.getByRole('row', { name: escaped(scene.poisonerHost) })
    expect(await poisoner.getAttribute('data-banned')).toBe('true')
    expect(await poisoner.locator('td[data-label="Hash failures"]').textContent()).toMatch(
      /^[1-9]\d* \(\d+ strikes\)$/,
    )
    expect(await poisoner.locator('td[data-label="Bad data"]').textContent()).not.toBe('0 B')

    await page.getByLabel('Sort by').selectOption('score')
    await page.getByRole('button', { name: 'Descending' }).click()
    expect(await page.locator('tbody tr').first().getAttribute('data-address')).toBe(scene.poisonerHost)

    await honest.getByRole('button', { name: `Ban ${honestAddress}` }).click()
    const row = page.locator(`tr[data-address="${honestAddress}"]`)
    await expect.poll(() => row.getAttribute('data-banned')).toBe('true')
    expect((await ui.call('bans.list', {})).find((ban) => ban.address === honestAddress)?.source).toBe(
      'manual',
    )
    await row.getByRole('button', { name: `Unban ${honestAddress}` }).click()
    await expect.poll(() => row.getAttribute('data-banned')).toBe('false')
    expect((await ui.call('bans.list', {})).some((ban) => ban.address === honestAddress)).toBe(false)
  })

  it('bans an address by hand, for a number of days, and finds bans by search', async () => {
    const { page } = ui
    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    await page.getByLabel('Ban address').fill('203.0.113.7')
    await page.getByLabel('Reason').fill('spams the tracker')
    await page.getByLabel('For (days)').fill('2')
    await page.getByRole('button', { name: 'Ban', exact: true }).click()
    const row = page.getByRole('row', { name: /203\.0\.113\.7/ })
    await row.waitFor()
    const ban = (await ui.call('bans.list', {})).find((entry) => entry.address === '203.0.113.7')!
    expect(ban).toMatchObject({ source: 'manual', note: 'spams the tracker' })
    expect(ban.expiresAt! - Date.now()).toBeGreaterThan(1.9 * 86_400_000)

    await page.getByLabel('Search bans').fill('spams')
    expect(await page.locator('tbody tr').count()).toBe(1)
    await page.getByLabel('Search bans').fill(scene.poisonerHost)
    expect(await page.locator('tbody tr').getAttribute('data-address')).toBe(scene.poisonerHost)
    // The poisoner's evidence names its torrent, and the search finds the ban by it.
    await page.getByLabel('Search bans').fill('contested-release')
    const poisoned = page.locator('tbody tr')
    expect(await poisoned.getAttribute('data-address')).toBe(scene.poisonerHost)
    expect(await poisoned.textContent()).toContain(`in ${scene.doneName}`)
    await page.getByLabel('Search bans').fill('')
    expect(await page.locator('tbody tr').count()).toBe(2)
  })
})
