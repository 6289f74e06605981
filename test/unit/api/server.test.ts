import { request as httpRequest } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { openBackend } from '../../../src/api/backend.ts'
import * as contract from '../../../src/api/contract.ts'
import { WEBSOCKET_PROTOCOL, WEBSOCKET_TOKEN_PROTOCOL_PREFIX } from '../../../src/api/contract.ts'
import * as renderer from '../../../renderer/src/api.ts'
import { startServer, type RunningServer } from '../../../src/server/server.ts'
import { QUIET_CLIENT, Swarm } from '../../kit/swarm.ts'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function get(server: RunningServer, urlPath: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: urlPath,
        headers: { host: `127.0.0.1:${server.port}`, ...headers },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        )
      },
    )
    request.on('error', reject)
    request.setTimeout(5000, () => request.destroy(new Error('timeout')))
    request.end()
  })
}

/** Opens a WebSocket; resolves with the socket once open, or with the HTTP status that refused it. */
function connect(
  server: RunningServer,
  urlPath: string,
  headers: Record<string, string> = {},
  protocols: string[] = [],
): Promise<{ socket: WebSocket } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${urlPath}`, protocols, {
      headers: { host: `127.0.0.1:${server.port}`, ...headers },
      handshakeTimeout: 5000,
    })
    socket.once('open', () => resolve({ socket }))
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 })
      socket.terminate()
    })
    socket.once('error', (error) => reject(error))
  })
}

function roundTrip(socket: WebSocket, message: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no response within 5 s')), 5000)
    const onMessage = (data: WebSocket.RawData) => {
      const parsed = JSON.parse(data.toString()) as { event?: string }
      if (parsed.event) return
      clearTimeout(timer)
      socket.off('message', onMessage)
      resolve(parsed)
    }
    socket.on('message', onMessage)
    socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  })
}

describe('vouch serve: the headless server', () => {
  const swarm = new Swarm()
  let server: RunningServer

  beforeAll(async () => {
    const home = await swarm.tempDir('vouch-home-')
    const backend = await openBackend({ engine: { ...QUIET_CLIENT, home, resume: false }, version: 'test' })
    swarm.defer(() => backend.close())
    const service = backend.service
    const rendererDir = await swarm.tempDir('vouch-renderer-')
    await mkdir(path.join(rendererDir, 'assets'))
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Vouch</title>')
    await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
    server = await startServer({ service, rendererDir })
    swarm.defer(() => server.close())
  })
  afterAll(() => swarm.close())

  const sameOrigin = () => ({ origin: `http://127.0.0.1:${server.port}` })
  const withToken = () => [WEBSOCKET_PROTOCOL, `${WEBSOCKET_TOKEN_PROTOCOL_PREFIX}${server.token}`]

  it('prints a URL on 127.0.0.1 with a token of at least 128 random bits in its fragment', () => {
    const url = new URL(server.url)
    expect(url.hostname).toBe('127.0.0.1')
    expect(url.search).toBe('')
    const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? ''
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16)
    expect(token).toBe(server.token)
  })

  it('serves the UI (no secret in it) with a strict CSP, and never sets a cookie', async () => {
    const reply = await get(server, '/')
    expect(reply.status).toBe(200)
    expect(reply.body).toContain('<title>Vouch</title>')
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'")
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'")
    expect(reply.headers['content-security-policy']).not.toContain('unsafe')
    expect(reply.headers['referrer-policy']).toBe('no-referrer')
    expect(reply.headers['set-cookie']).toBeUndefined()
    const asset = await get(server, '/assets/app.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toContain('text/javascript')
    expect(asset.headers['set-cookie']).toBeUndefined()
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const reply = await get(server, '/', { host: `evil.example:${server.port}` })
    expect(reply.status).toBe(403)
    expect(reply.body).toContain('foreign Host')
    expect((await get(server, '/', { host: '127.0.0.1:1' })).status).toBe(403)
  })

  it('refuses a foreign Origin (another web page)', async () => {
    const reply = await get(server, '/', { origin: 'http://evil.example' })
    expect(reply.status).toBe(403)
    expect(reply.body).toContain('foreign Origin')
    expect((await get(server, '/', { origin: 'null' })).status).toBe(403)
  })

  it('does not serve files outside the built UI', async () => {
    expect((await get(server, '/../package.json')).status).toBe(404)
    expect((await get(server, '/%2e%2e/%2e%2e/package.json')).status).toBe(404)
    expect((await get(server, '/assets/..%5c..%5cindex.html')).status).toBe(404)
  })

  it('refuses a WebSocket upgrade without the token, or with the token in the query or a cookie', async () => {
    expect(await connect(server, '/api', sameOrigin())).toEqual({ refused: 401 })
    expect(await connect(server, `/api?token=${server.token}`, sameOrigin())).toEqual({ refused: 401 })
    const cookie = { ...sameOrigin(), cookie: `vouch_token_${server.port}=${server.token}` }
    expect(await connect(server, '/api', cookie)).toEqual({ refused: 401 })
  })

  it('refuses a WebSocket upgrade with a wrong token, as a subprotocol or a Bearer header', async () => {
    const wrong = [WEBSOCKET_PROTOCOL, `${WEBSOCKET_TOKEN_PROTOCOL_PREFIX}${server.token.slice(0, -1)}x`]
    expect(await connect(server, '/api', sameOrigin(), wrong)).toEqual({ refused: 401 })
    expect(await connect(server, '/api', { authorization: 'Bearer guess' })).toEqual({ refused: 401 })
  })

  it('refuses a WebSocket upgrade from a foreign Origin even with the token', async () => {
    expect(await connect(server, '/api', { origin: 'http://evil.example' }, withToken())).toEqual({
      refused: 403,
    })
  })

  it('refuses a WebSocket upgrade with a foreign Host even with the token', async () => {
    expect(await connect(server, '/api', { host: `rebind.example:${server.port}` }, withToken())).toEqual({
      refused: 403,
    })
  })

  it('accepts the token as a Bearer header (programs other than the UI)', async () => {
    const opened = await connect(server, '/api', { authorization: `Bearer ${server.token}` })
    if (!('socket' in opened)) throw new Error(`refused with ${opened.refused}`)
    opened.socket.close()
  })

  it('accepts the token as a subprotocol, answers vouch.v1 (never the token) and serves the dispatcher', async () => {
    const opened = await connect(server, '/api', sameOrigin(), withToken())
    if (!('socket' in opened)) throw new Error(`refused with ${opened.refused}`)
    const { socket } = opened
    expect(socket.protocol).toBe(WEBSOCKET_PROTOCOL)
    try {
      expect(await roundTrip(socket, { id: 1, command: 'torrents.list', args: {} })).toEqual({
        id: 1,
        ok: true,
        result: [],
      })
      expect(await roundTrip(socket, 'not json')).toMatchObject({ ok: false, error: { code: 'bad-input' } })
      expect(await roundTrip(socket, { id: 2, command: 'torrents.delete-all', args: {} })).toMatchObject({
        id: 2,
        ok: false,
        error: { code: 'bad-input' },
      })
      // The UI cannot make the engine read a file by naming it.
      expect(
        await roundTrip(socket, { id: 4, command: 'torrents.add', args: { source: '/etc/passwd' } }),
      ).toMatchObject({ id: 4, ok: false, error: { code: 'bad-input' } })
      // The socket survives bad input.
      expect(await roundTrip(socket, { id: 3, command: 'app.info', args: {} })).toMatchObject({
        id: 3,
        ok: true,
      })
    } finally {
      socket.close()
    }
  })
})

describe('the renderer and the server agree on the WebSocket handshake', () => {
  it('repeats the contract path and subprotocols exactly', () => {
    expect(renderer.WEBSOCKET_PATH).toBe(contract.WEBSOCKET_PATH)
    expect(renderer.WEBSOCKET_PROTOCOL).toBe(contract.WEBSOCKET_PROTOCOL)
    expect(renderer.WEBSOCKET_TOKEN_PROTOCOL_PREFIX).toBe(contract.WEBSOCKET_TOKEN_PROTOCOL_PREFIX)
  })
})
