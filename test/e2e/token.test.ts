import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startUi, type UiHarness } from './harness.ts'

interface SeenRequest {
  url: string
  headers: IncomingHttpHeaders
}

/** Another web server on 127.0.0.1 (another port), as any local dev server or malware would run. */
async function otherLocalServer(ui: UiHarness): Promise<{ origin: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = []
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers })
    response.writeHead(200, { 'Content-Type': 'text/html' })
    response.end('<!doctype html><title>other</title><img src="/pixel.png">')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  ui.swarm.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

/** Opens the API's WebSocket from Node with exactly these headers; the HTTP status that refused it, or 101. */
function upgradeStatus(
  ui: UiHarness,
  headers: Record<string, string>,
  protocols: string[] = [],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${ui.server.port}/api`, protocols, {
      headers: { ...headers, host: `127.0.0.1:${ui.server.port}` },
      handshakeTimeout: 5000,
    })
    socket.once('open', () => {
      socket.close()
      resolve(101)
    })
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.once('error', reject)
  })
}

describe('the web UI credential stays in the page', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('another server on 127.0.0.1 visited by the same browser receives nothing it can replay', async () => {
    ui = await startUi()
    const { page, server } = ui
    await page.goto(server.url)
    await page.getByText('No torrents yet').waitFor()
    await expect.poll(() => page.url()).not.toContain(server.token)
    expect(await page.context().cookies()).toEqual([])

    // The same browser visits another local server, in another tab and in the UI's own tab.
    const other = await otherLocalServer(ui)
    const tab = await page.context().newPage()
    await tab.goto(`${other.origin}/page`)
    await tab.waitForLoadState('load')
    const stolen = await tab.evaluate(() => ({
      cookie: document.cookie,
      session: JSON.stringify(sessionStorage),
      local: JSON.stringify(localStorage),
    }))
    expect(JSON.stringify(stolen)).not.toContain(ui.server.token)
    await tab.close()

    expect(other.seen.length).toBeGreaterThanOrEqual(2)
    for (const request of other.seen) {
      expect(request.headers.cookie, `cookie sent to ${request.url}`).toBeUndefined()
      expect(JSON.stringify(request)).not.toContain(server.token)
    }
    // Replaying everything the other server saw (without an Origin, as a server would) is refused.
    for (const request of other.seen) {
      const replayed = Object.fromEntries(
        Object.entries(request.headers).filter(
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' && !entry[0].startsWith('sec-websocket'),
        ),
      )
      delete replayed.origin
      expect(await upgradeStatus(ui, replayed)).toBe(401)
    }

    // The UI survives a reload (the token lives in the tab's sessionStorage, not the address).
    await page.reload()
    await page.getByText('No torrents yet').waitFor()
    expect(page.url()).not.toContain('token')
  })

  it('refuses the API to a request without the token, or with it anywhere but the handshake', async () => {
    ui = await startUi()
    const { server } = ui
    const sameOrigin = { origin: `http://127.0.0.1:${server.port}` }
    expect(await upgradeStatus(ui, sameOrigin)).toBe(401)
    expect(await upgradeStatus(ui, sameOrigin, ['vouch.v1', 'vouch-token.guess'])).toBe(401)
    expect(
      await upgradeStatus(ui, { ...sameOrigin, cookie: `vouch_token_${server.port}=${server.token}` }),
    ).toBe(401)
    expect(await upgradeStatus(ui, sameOrigin, ['vouch.v1', `vouch-token.${server.token}`])).toBe(101)
  })
})
