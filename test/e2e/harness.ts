/**
 * The e2e harness: a Vouch engine behind the real headless server (`startServer`, as `vouch serve`
 * runs it) with discovery off, real loopback seeders from the shared kit, and Debian's Chromium
 * driven by playwright-core. Everything is stopped by `close()`; every wait is bounded.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { CommandArgs, CommandName, CommandResult } from '../../src/api/contract.ts'
import { openBackend, type Backend } from '../../src/api/backend.ts'
import type { ApiService } from '../../src/api/service.ts'
import type { EngineOptions } from '../../src/engine/engine.ts'
import { startServer, type RunningServer } from '../../src/server/server.ts'
import { QUIET_CLIENT, Swarm } from '../kit/swarm.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url))

/** Debian's headless Chromium as every e2e test (and bench/ui2000.ts) drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export interface UiHarness {
  swarm: Swarm
  server: RunningServer
  backend: Backend
  service: ApiService
  browser: Browser
  page: Page
  /** Run a command through the same dispatcher the UI uses (to check what the UI did). */
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>>
  /**
   * Save a PNG of the whole screen (the scrolling <main> unrolled) to test-artifacts/e2e/NAME.png,
   * or to `dir`; notification toasts hidden unless asked.
   */
  screenshot(name: string, options?: { notices?: boolean; dir?: string }): Promise<string>
  /** What makes the window scroll sideways (each entry names the element), or [] when nothing does. */
  overflow(): Promise<string[]>
  close(): Promise<void>
}

export async function startUi(
  options: {
    engine?: Partial<EngineOptions>
    colorScheme?: 'light' | 'dark'
    viewport?: { width: number; height: number }
    /** How often followed feeds are polled, ms (the backend's default otherwise). */
    feedPollIntervalMs?: number
  } = {},
): Promise<UiHarness> {
  const swarm = new Swarm()
  try {
    // The backend `vouch serve` runs (provenance gate, defence, reputation store), discovery off.
    const home = await swarm.tempDir('vouch-home-')
    const backend = await openBackend({
      engine: { ...QUIET_CLIENT, home, resume: false, ...options.engine },
      version: 'e2e',
      sampleIntervalMs: 500,
      ...(options.feedPollIntervalMs ? { feedPollIntervalMs: options.feedPollIntervalMs } : {}),
    })
    swarm.defer(() => backend.close())
    const service = backend.service
    const server = await startServer({ service, host: '127.0.0.1', port: 0 })
    swarm.defer(() => server.close())
    const browser = await launchChromium()
    swarm.defer(() => browser.close())
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1200, height: 760 },
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: 'reduce',
    })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text())
    })
    swarm.defer(async () => {
      if (pageErrors.length) throw new Error(`the page logged errors:\n${pageErrors.join('\n')}`)
    })
    await mkdir(ARTIFACTS, { recursive: true })
    return {
      swarm,
      server,
      backend,
      service,
      browser,
      page,
      async call(command, args) {
        const response = await service.dispatcher.dispatch({ command, args })
        if (!response.ok) throw new Error(`${command}: ${response.error.code}: ${response.error.message}`)
        return response.result as never
      },
      async screenshot(name, shotOptions = {}) {
        const file = path.join(shotOptions.dir ?? ARTIFACTS, `${name}.png`)
        // Hidden through the CSSOM: an injected <style> would be (rightly) blocked by the CSP.
        const setNotices = (visibility: string) =>
          page.evaluate((value) => {
            const notices = document.querySelector<HTMLElement>('.notices')
            if (notices) notices.style.visibility = value
          }, visibility)
        if (!shotOptions.notices) await setNotices('hidden')
        // <main> scrolls inside a window-high layout: grow the window until all of it shows.
        const viewport = page.viewportSize() ?? { width: 1200, height: 760 }
        const extra = await page.evaluate(() => {
          const main = document.querySelector('main')
          return main ? Math.max(0, main.scrollHeight - main.clientHeight) : 0
        })
        if (extra > 0) await page.setViewportSize({ width: viewport.width, height: viewport.height + extra })
        await page.screenshot({ path: file, fullPage: true })
        if (extra > 0) await page.setViewportSize(viewport)
        if (!shotOptions.notices) await setNotices('')
        return file
      },
      overflow: () => page.evaluate(overflowingElements),
      close: () => swarm.close(),
    }
  } catch (error) {
    await swarm.close().catch(() => undefined)
    throw error
  }
}

/**
 * Runs in the page: whatever makes the window scroll sideways — the document or <main> wider than
 * the window, or any visible element whose box ends right of it. Each entry names the element.
 */
function overflowingElements(): string[] {
  // Nested: page.evaluate sends this one function's source to the page.
  /** True when an ancestor that clips its overflow (a pill with an ellipsis, say) ends inside the window. */
  function clippedWithin(element: Element, width: number): boolean {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      if (
        getComputedStyle(parent).overflowX !== 'visible' &&
        parent.getBoundingClientRect().right <= width + 0.5
      )
        return true
    }
    return false
  }
  const width = window.innerWidth
  const found: string[] = []
  const root = document.documentElement
  if (root.scrollWidth > width) found.push(`document is ${root.scrollWidth} px wide in ${width}`)
  const main = document.querySelector('main')
  if (main && main.scrollWidth > main.clientWidth)
    found.push(`main is ${main.scrollWidth} px wide in ${main.clientWidth}`)
  for (const element of document.querySelectorAll('body *')) {
    if (element.closest('.visually-hidden, dialog:not([open])')) continue
    const box = element.getBoundingClientRect()
    if (box.width === 0 || box.height === 0) continue
    if (box.right > width + 0.5 && !clippedWithin(element, width)) {
      const name = `${element.tagName.toLowerCase()}${element.className ? `.${String(element.className).split(' ').join('.')}` : ''}`
      found.push(
        `${name} ends at ${Math.round(box.right)} px: ${(element.textContent ?? '').trim().slice(0, 40)}`,
      )
    }
  }
  return found
}
