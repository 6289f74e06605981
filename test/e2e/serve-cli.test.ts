import { request as httpRequest } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import { QUIET_FLAGS, VouchProcess } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'
import { CHROMIUM } from './harness.ts'

describe('vouch serve as a user runs it', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())

  it('prints a URL with the token in its fragment, serves the UI to a browser that has it, refuses the API without it, stops on SIGTERM', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const serve = new VouchProcess(['--json', '--home', home, 'serve', ...QUIET_FLAGS])
    swarm.defer(async () => void (await serve.stop('SIGKILL')))
    const serving = await serve.json<{ url: string; host: string; port: number }>(
      (line) => line.event === 'serving',
    )
    const url = new URL(serving.url)
    expect(url.hostname).toBe('127.0.0.1')
    expect(new URLSearchParams(url.hash.slice(1)).get('token')?.length).toBeGreaterThanOrEqual(43)

    // The page itself holds no secret; the API refuses a handshake without the token.
    const without = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port: serving.port,
        path: '/api',
        timeout: 5000,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      })
      request.once('response', (response) => resolve(response.statusCode ?? 0))
      request.once('upgrade', () => resolve(101))
      request.once('error', reject)
      request.end()
    })
    expect(without).toBe(401)

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    })
    swarm.defer(() => browser.close())
    const page = await browser.newPage()
    await page.goto(serving.url)
    await page.getByRole('heading', { name: 'Torrents' }).waitFor({ timeout: 15_000 })
    await page.getByText('No torrents yet').waitFor({ timeout: 15_000 })

    const exit = await serve.stop('SIGTERM')
    expect(exit.code).toBe(0)
  })
})
