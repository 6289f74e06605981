import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareTorrents } from '../../bench/torrents2000.ts'
import { startUi, type UiHarness } from './harness.ts'

/** More than the table renders at once (useRowWindow.ts WINDOW_FROM), few enough to stay quick. */
const COUNT = 300
const NAMES = Array.from({ length: COUNT }, (_, index) => `t${index}.bin`).sort((a, b) => a.localeCompare(b))

describe('the web UI in Chromium: a list of hundreds of torrents', () => {
  let ui: UiHarness | undefined
  beforeAll(async () => {
    // A HOME remembering COUNT torrents (their data on disk), resumed as `vouch serve` resumes it.
    const { home } = await prepareTorrents(COUNT)
    ui = await startUi({ engine: { home, resume: true } })
    await ui.page.goto(ui.server.url)
  }, 120_000)
  afterAll(() => ui?.close())

  const rows = () => ui!.page.locator('table.torrents tbody tr[data-infohash]')
  const firstName = () => rows().first().locator('.name').textContent()

  it('says how many there are, and tells assistive technology the whole list', async () => {
    const { page } = ui!
    // The serve resumes them one batch after another: under a loaded machine that takes seconds.
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'torrents' }).textContent(), { timeout: 30_000 })
      .toBe(`${COUNT} torrents`)
    const table = page.getByRole('table', { name: 'Torrents' })
    expect(await table.getAttribute('aria-rowcount')).toBe(String(COUNT + 1))
    expect(await rows().first().getAttribute('aria-rowindex')).toBe('2')
  })

  it('reaches the last torrent by scrolling, with every row in between on the way', async () => {
    const { page } = ui!
    const seen = new Set<string>()
    const collect = async () => {
      for (const name of await rows().locator('.name').allTextContents()) seen.add(name)
    }
    await page.locator('main').evaluate((main) => main.scrollTo({ top: 0 }))
    await collect()
    // Down a view at a time, as a user scrolls, until the bottom of <main>.
    for (let step = 0; step < 400; step++) {
      const atBottom = await page.locator('main').evaluate((main) => {
        main.scrollBy({ top: main.clientHeight * 0.8 })
        return main.scrollTop + main.clientHeight >= main.scrollHeight - 1
      })
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
      await collect()
      if (atBottom) break
    }
    expect(seen.size).toBe(COUNT)
    // The list is in the order added: the last one added is the last row, on screen.
    const last = page.getByRole('button', { name: `t${COUNT - 1}.bin`, exact: true })
    await expect.poll(() => last.isVisible()).toBe(true)
    expect(await rows().last().getAttribute('aria-rowindex')).toBe(String(COUNT + 1))
    await last.click()
    await expect
      .poll(() => page.getByRole('heading', { name: `t${COUNT - 1}.bin` }).count())
      .toBeGreaterThan(0)
    // The pane beside the list narrows it: its rows grow and the list re-windows around the view.
    await page.getByRole('button', { name: `Close the details of t${COUNT - 1}.bin` }).click()
  })

  it('reaches the last one as cards in a narrow window too (rows of another height)', async () => {
    const { page } = ui!
    await page.setViewportSize({ width: 600, height: 760 })
    try {
      await page.locator('main').evaluate((main) => main.scrollTo({ top: main.scrollHeight }))
      const last = page.getByRole('button', { name: `t${COUNT - 1}.bin`, exact: true })
      // The first scroll may land on a spacer measured with the wide rows; the list settles on the last.
      await expect
        .poll(
          async () => {
            await page.locator('main').evaluate((main) => main.scrollTo({ top: main.scrollHeight }))
            return last.isVisible()
          },
          { timeout: 10_000 },
        )
        .toBe(true)
      const box = await rows().last().boundingBox()
      expect(box!.width).toBeLessThanOrEqual(600)
    } finally {
      await page.setViewportSize({ width: 1200, height: 760 })
    }
  })

  it('finds one by name, and sorting by name puts the right one first', async () => {
    const { page } = ui!
    await page.locator('main').evaluate((main) => main.scrollTo({ top: 0 }))
    const search = page.getByRole('searchbox', { name: 'Search torrents by name' })
    await search.fill('t123.bin')
    await page.getByText(`1 of ${COUNT} shown`).waitFor()
    expect(await rows().locator('.name').allTextContents()).toEqual(['t123.bin'])
    await search.fill('')
    await page.getByText(`${COUNT} torrents`).waitFor()

    const nameHeader = page.getByRole('columnheader', { name: 'Name' })
    await nameHeader.getByRole('button').click()
    await expect.poll(firstName).toBe(NAMES[0])
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending')
    await nameHeader.getByRole('button').click()
    await expect.poll(firstName).toBe(NAMES.at(-1))
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending')
  })
})
