import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUi, type UiHarness } from './harness.ts'
import { buildScene, HELD_NAME, LONG_NAME } from './scene.ts'

const SCREENS = ['Torrents', 'Peers', 'Bans', 'Trust', 'Activity', 'Audit log', 'Settings']

describe('the web UI in Chromium: layout from 360 px to 1920 px', () => {
  let ui: UiHarness
  beforeAll(async () => {
    ui = await startUi()
    await buildScene(ui)
    await ui.page.goto(ui.server.url)
    await ui.page.getByRole('row', { name: /contested-release/ }).waitFor()
  }, 120_000)
  afterAll(() => ui?.close())

  for (const width of [360, 800, 1280, 1920]) {
    it(`never scrolls sideways at ${width} px, on any screen`, async () => {
      const { page } = ui
      await page.setViewportSize({ width, height: 800 })
      for (const screen of SCREENS) {
        await page.getByRole('button', { name: screen, exact: true }).click()
        await page.getByRole('heading', { name: screen, level: 2 }).waitFor()
        expect(await ui.overflow(), `${screen} at ${width} px`).toEqual([])
      }
    })
  }

  it('turns rows into cards on a narrow screen and wraps long names between words', async () => {
    const { page } = ui
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    const row = page.getByRole('row', { name: new RegExp(LONG_NAME.slice(0, 20)) })
    await page.setViewportSize({ width: 360, height: 800 })
    expect(await row.evaluate((element) => getComputedStyle(element).display)).toBe('block')
    // Every line break falls between words: each rendered line starts at a word's first letter.
    const lines = await row.locator('.name').evaluate((element) => {
      const range = document.createRange()
      const text = element.firstChild as Text
      const starts: number[] = []
      let top = -1
      for (let index = 0; index < text.length; index++) {
        range.setStart(text, index)
        range.setEnd(text, index + 1)
        const rect = range.getBoundingClientRect()
        if (rect.height > 0 && rect.top > top + 1) {
          starts.push(index)
          top = rect.top
        }
      }
      return starts
    })
    expect(lines.length).toBeGreaterThan(1)
    for (const start of lines.slice(1)) expect(LONG_NAME[start - 1], `break before ${start}`).toMatch(/[\s-]/)
    // Badges stay one-line pills.
    for (const badge of await row.locator('.badge').all()) {
      const { height, lineHeight } = await badge.evaluate((element) => ({
        height: element.getBoundingClientRect().height,
        lineHeight: parseFloat(getComputedStyle(element).lineHeight),
      }))
      expect(height).toBeLessThan(lineHeight * 1.8)
    }
    await page.setViewportSize({ width: 1280, height: 800 })
    expect(await row.evaluate((element) => getComputedStyle(element).display)).toBe('table-row')
  })

  it('searches by name, filters by state and sorts by a column, both ways', async () => {
    const { page } = ui
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    const names = () => page.locator('tbody .torrent-name .name').allTextContents()
    expect(await names()).toHaveLength(3)

    await page.getByRole('searchbox', { name: 'Search torrents by name' }).fill('debian  netinstall')
    expect(await names()).toEqual([LONG_NAME])
    await page.getByRole('searchbox', { name: 'Search torrents by name' }).fill('')

    await page.getByLabel('State').selectOption('held')
    expect(await names()).toEqual([HELD_NAME])
    await page.getByLabel('State').selectOption('seeding')
    expect(await names()).toEqual(['contested-release.tar.gz'])
    await page.getByLabel('State').selectOption('paused')
    await page.getByText('No torrent matches').waitFor()
    await page.getByLabel('State').selectOption('')

    await page.getByRole('button', { name: 'Name', exact: true }).click()
    const ascending = ['contested-release.tar.gz', LONG_NAME, HELD_NAME]
    expect(await names()).toEqual(ascending)
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending')
    await page.getByRole('button', { name: 'Name', exact: true }).click()
    expect(await names()).toEqual([...ascending].reverse())
    // The same sort from the toolbar, which narrow screens use (their cards have no headers).
    await page.getByLabel('Sort by').selectOption('progress')
    expect((await names())[0]).toBe('contested-release.tar.gz')
  })

  it('shows total speeds, DHT nodes and free disk in the status bar', async () => {
    const { page } = ui
    const bar = page.locator('dl[aria-label="Status"]')
    const status = await ui.call('app.status', {})
    await expect.poll(() => bar.textContent()).toMatch(/Down.*\/s.*Up.*\/s.*DHToff or no nodes.*Free disk\d/)
    expect(status.freeDiskBytes).toBeGreaterThan(0)
  })

  it('shows no speed or ETA for a held torrent or one nobody sends to', async () => {
    const { page } = ui
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    for (const name of [HELD_NAME, LONG_NAME.slice(0, 20)]) {
      const row = page.getByRole('row', { name: new RegExp(name) })
      expect(await row.locator('.speeds').textContent()).toBe('↓ —↑ —')
      expect(await row.locator('td[data-label="ETA"]').textContent()).toBe('—')
    }
  })

  it('shows notifications in their own band, never over a control, and they go away by themselves', async () => {
    const { page } = ui
    await page.setViewportSize({ width: 800, height: 600 })
    await page.getByRole('button', { name: 'Torrents', exact: true }).click()
    await page.getByLabel('Magnet link or infohash').fill(`magnet:?xt=urn:btih:${'ef'.repeat(20)}&dn=toast`)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    const notice = page.locator('.notice').first()
    await notice.waitFor()
    const overlaps = await page.evaluate(() => {
      const notices = [...document.querySelectorAll('.notice')].map((element) =>
        element.getBoundingClientRect(),
      )
      const visible = document.querySelector('main')!.getBoundingClientRect()
      const controls = [...document.querySelectorAll('main button, main input, main select, main a')]
      return (
        controls
          .map((control) => control.getBoundingClientRect())
          // What shows of each control: <main> clips what is scrolled out of it.
          .filter((box) => box.width > 0 && box.bottom > visible.top && box.top < visible.bottom)
          .filter((box) =>
            notices.some(
              (n) => box.left < n.right && box.right > n.left && box.top < n.bottom && box.bottom > n.top,
            ),
          ).length
      )
    })
    expect(overlaps).toBe(0)
    await expect.poll(() => page.locator('.notice').count(), { timeout: 10_000 }).toBe(0)
  })
})
