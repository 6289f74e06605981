import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ReputationStore } from '../../src/reputation/store.ts'
import { SubscriptionScheduler, Subscriptions } from '../../src/reputation/subscriptions.ts'
import { runVouch } from '../kit/cli.ts'
import { nextLoopbackAddress, tempDir } from '../kit/swarm.ts'

/** A blocklist server on its own loopback address that honours ETags and counts what it answered. */
interface ListServer {
  url: string
  body: Buffer
  /** Answer every request with this status instead (500: a broken mirror). */
  failWith: number | null
  full: number
  notModified: number
  failed: number
  close(): Promise<void>
}

async function listServer(body: Buffer): Promise<ListServer> {
  const host = nextLoopbackAddress()
  const state = { body, failWith: null as number | null, full: 0, notModified: 0, failed: 0 }
  const server: Server = createServer((request, response) => {
    if (state.failWith !== null) {
      state.failed++
      response.writeHead(state.failWith).end('broken')
      return
    }
    const etag = `"${createHash('sha256').update(state.body).digest('hex').slice(0, 16)}"`
    if (request.headers['if-none-match'] === etag) {
      state.notModified++
      response.writeHead(304, { ETag: etag }).end()
      return
    }
    state.full++
    response.writeHead(200, { ETag: etag, 'Content-Type': 'application/gzip' }).end(state.body)
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const port = (server.address() as AddressInfo).port
  return Object.assign(state, {
    url: `http://${host}:${port}/level1.p2p.gz`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}

const V1 = gzipSync(
  [
    '# a P2P list, gzip compressed',
    'Example range:198.51.100.0-198.51.100.255',
    '203.0.113.7',
    'Would cut us off:127.0.0.0-127.255.255.255',
  ].join('\n'),
)
const V2 = gzipSync(['Example range:198.51.100.0-198.51.100.255', '100.64.7.0/24'].join('\n'))

describe('blocklist subscriptions against a local HTTP server', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('updates by itself: conditional requests, a changed list lifts what it dropped, a failure keeps the last good list', async () => {
    const server = await listServer(V1)
    cleanups.push(() => server.close())
    const home = await tempDir('vouch-home-')
    const store = ReputationStore.openInHome(home)
    cleanups.push(() => store.close())
    const subscriptions = new Subscriptions(home)
    await subscriptions.add(server.url, 200)
    const scheduler = new SubscriptionScheduler(subscriptions, store, { checkEveryMs: 50 })
    cleanups.push(() => scheduler.close())

    await vi.waitFor(() => expect(store.banFor('198.51.100.77')).toBeDefined(), { timeout: 5000 })
    expect(store.banFor('203.0.113.7')?.reason).toBe('imported')
    // The import limits apply: the loopback range is refused, not banned.
    expect(store.banFor('127.0.0.5')).toBeUndefined()
    await vi.waitFor(() => expect(server.notModified).toBeGreaterThanOrEqual(2), { timeout: 5000 })
    expect(server.full).toBe(1)

    server.body = V2
    await vi.waitFor(() => expect(store.banFor('100.64.7.9')).toBeDefined(), { timeout: 5000 })
    expect(store.banFor('203.0.113.7')).toBeUndefined()
    expect(store.banFor('198.51.100.77')).toBeDefined()
    expect(server.full).toBe(2)

    server.failWith = 500
    await vi.waitFor(
      async () =>
        expect((await subscriptions.list())[0]?.error).toMatch(/HTTP 500; the last good list stays in force/),
      { timeout: 5000 },
    )
    expect(store.banFor('100.64.7.9')).toBeDefined()
    expect((await subscriptions.list())[0]?.entries).toBe(2)

    server.failWith = null
    await vi.waitFor(async () => expect((await subscriptions.list())[0]?.error).toBeNull(), { timeout: 5000 })
    const removed = await subscriptions.remove(server.url, store)
    expect(removed).toEqual({ removed: true, lifted: 2 })
    expect(store.banFor('100.64.7.9')).toBeUndefined()
  })

  it('vouch bans subscribe, subscriptions and unsubscribe', async () => {
    const server = await listServer(V1)
    cleanups.push(() => server.close())
    const home = await tempDir('vouch-home-')
    const subscribed = await runVouch(['--home', home, 'bans', 'subscribe', server.url, '--every', '4h'])
    expect(subscribed.code, subscribed.stderr).toBe(0)
    expect(subscribed.stdout).toContain(`subscribed to ${server.url} (every 4h)`)
    expect(subscribed.stdout).toMatch(/3 entries, 2 new bans/)
    const listed = await runVouch(['--home', home, '--json', 'bans', 'subscriptions'])
    const document = JSON.parse(listed.stdout) as {
      subscriptions: { url: string; everyMs: number; entries: number }[]
    }
    expect(document.subscriptions).toEqual([
      expect.objectContaining({ url: server.url, everyMs: 4 * 3600_000, entries: 3 }),
    ])
    const bans = await runVouch(['--home', home, 'bans', 'list'])
    expect(bans.stdout).toContain('198.51.100.0-198.51.100.255')

    const badEvery = await runVouch(['--home', home, 'bans', 'subscribe', server.url, '--every', '1s'])
    expect(badEvery.code).toBe(1)
    const notHttp = await runVouch(['--home', home, 'bans', 'subscribe', 'file:///etc/passwd'])
    expect(notHttp.code).toBe(2)
    server.failWith = 503
    const failing = await runVouch(['--home', home, 'bans', 'subscribe', `${server.url}?mirror=2`])
    expect(failing.code).toBe(5)
    expect(failing.stderr).toContain('HTTP 503')

    const gone = await runVouch(['--home', home, 'bans', 'unsubscribe', server.url])
    expect(gone.code, gone.stderr).toBe(0)
    expect(gone.stdout).toContain('lifted 2 bans')
    expect((await runVouch(['--home', home, 'bans', 'list'])).stdout).not.toContain('198.51.100.0')
  })
})
