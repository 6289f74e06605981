/**
 * Screenshots of every screen for docs/screenshots and the README, at 1280, 800 and 360 px, light
 * and dark, of a real Vouch (the e2e harness and the loopback scene of test/e2e/scene.ts):
 *
 *   npx node test/e2e/screenshots.ts [OUT_DIR]
 *
 * Builds the renderer first when it is stale.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildRenderer, rendererIsStale } from '../../scripts/build-renderer.ts'
import { removeTempDirs } from '../kit/swarm.ts'
import { startUi } from './harness.ts'
import { buildScene } from './scene.ts'

const OUT = path.resolve(
  process.argv[2] ?? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)),
)
const WIDTHS = [1280, 800, 360]
const SCHEMES = ['light', 'dark'] as const
const SCREENS = ['Torrents', 'Peers', 'Bans', 'Trust', 'Feeds', 'Activity', 'Audit log', 'Settings']

if (await rendererIsStale()) await buildRenderer()
await mkdir(OUT, { recursive: true })
const ui = await startUi({ viewport: { width: 1280, height: 800 } })
try {
  await buildScene(ui)
  const { page } = ui
  await page.goto(ui.server.url)
  await page.getByRole('row', { name: /contested-release/ }).waitFor()
  // Let the chart gather a few samples.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const written: string[] = []
  for (const scheme of SCHEMES) {
    await ui.call('settings.set', { theme: scheme })
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 })
      for (const screen of SCREENS) {
        await page.getByRole('button', { name: screen, exact: true }).click()
        await page.getByRole('heading', { name: screen, level: 2 }).waitFor()
        const overflow = await ui.overflow()
        if (overflow.length)
          throw new Error(`${screen} at ${width} px scrolls sideways: ${overflow.join('; ')}`)
        written.push(
          await ui.screenshot(`${screen.toLowerCase().replace(' ', '-')}-${width}-${scheme}`, { dir: OUT }),
        )
      }
      // The details pane and the refusal dialog.
      await page.getByRole('button', { name: 'Torrents', exact: true }).click()
      await page.getByRole('button', { name: 'contested-release.tar.gz', exact: true }).click()
      const pane = page.getByRole('complementary', { name: 'contested-release.tar.gz' })
      await pane.getByRole('tab', { name: 'Peers' }).click()
      written.push(await ui.screenshot(`details-${width}-${scheme}`, { dir: OUT }))
      await pane.getByRole('button', { name: /Close/ }).click()
      await page.locator('main').click({ position: { x: 2, y: 2 } })
      await page.keyboard.press('?')
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
      written.push(await ui.screenshot(`shortcuts-${width}-${scheme}`, { dir: OUT }))
      await page.keyboard.press('Escape')
    }
  }
  console.log(`wrote ${written.length} screenshots to ${OUT}`)
} finally {
  await ui.close()
  await removeTempDirs()
}
