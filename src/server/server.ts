import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { MAX_TORRENT_FILE_BASE64, WEBSOCKET_PATH, WEBSOCKET_PROTOCOL } from '../api/contract.ts'
import type { ApiService } from '../api/service.ts'
import { serveWebSocket } from '../api/websocket-transport.ts'
import { BANS_PATH } from '../reputation/follow.ts'
import { allowedHosts, checkOrigin, checkToken, newToken, type GuardConfig } from './guard.ts'
import { listen, urlHost } from './listen.ts'
import { readStaticFile } from './static-files.ts'

/** The built renderer (`npm run build:renderer`). */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../renderer/dist/', import.meta.url))

export interface ServerOptions {
  service: ApiService
  /** Default 127.0.0.1. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  rendererDir?: string
  /**
   * `--publish-bans`: the signed ban report served at /bans.json without the token. It is public
   * on purpose: signed, so followers check it against the pinned key, and it holds only bans.
   */
  publishBans?: () => string
  /** Fixed token, for tests; default: a fresh random one. */
  token?: string
}

export interface RunningServer {
  host: string
  port: number
  token: string
  /** The address to open, the token in its fragment (which a browser never sends to any server). */
  url: string
  close(): Promise<void>
}

/** The policy for the UI's pages; the renderer has no inline script or style. */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}

function refuse(response: ServerResponse, status: number, reason: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })
  response.end(`${reason}\n`)
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const statusText = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`,
  )
}

/**
 * The headless daemon's front door: serves the built renderer and the WebSocket API on one port.
 * Every request must name this server in Host (and Origin, when a browser sends one), which stops
 * DNS rebinding and other web pages. The renderer's files hold no secret and are served to such
 * requests; the API needs the token besides (guard.ts), which the page keeps to itself: it arrives
 * in the address's fragment, lives in the tab's sessionStorage and travels only in the WebSocket
 * handshake to this server. No cookie is ever set: cookies ignore ports, so one would reach every
 * other server on 127.0.0.1 the browser visits.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR
  const guard: GuardConfig = { token, hosts: new Set() }
  const websockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_TORRENT_FILE_BASE64 + 64 * 1024,
    // Answer with the API's protocol when offered, never echo the token protocol back.
    handleProtocols: (protocols) => (protocols.has(WEBSOCKET_PROTOCOL) ? WEBSOCKET_PROTOCOL : false),
  })

  const server = createServer((request, response) => {
    void handleRequest(request, response).catch(() => refuse(response, 500, 'internal error'))
  })

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const publicPath = new URL(request.url ?? '/', 'http://vouch.invalid').pathname
    if (
      options.publishBans &&
      publicPath === BANS_PATH &&
      (request.method === 'GET' || request.method === 'HEAD')
    ) {
      const body = options.publishBans()
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' })
      response.end(request.method === 'HEAD' ? undefined : body)
      return
    }
    const verdict = checkOrigin(request, guard)
    if (!verdict.allowed) return refuse(response, verdict.status, verdict.reason)
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return refuse(response, 405, 'method not allowed')
    const urlPath = new URL(request.url ?? '/', 'http://vouch.invalid').pathname
    const file = await readStaticFile(rendererDir, urlPath)
    if (!file) {
      if (urlPath === '/') return refuse(response, 503, 'the UI is not built: run `npm run build:renderer`')
      return refuse(response, 404, 'not found')
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.contentType })
    response.end(request.method === 'HEAD' ? undefined : file.body)
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const verdict = checkOrigin(request, guard)
    if (!verdict.allowed) return refuseUpgrade(socket, verdict.status, verdict.reason)
    const credential = checkToken(request, guard)
    if (!credential.allowed) return refuseUpgrade(socket, credential.status, credential.reason)
    const urlPath = new URL(request.url ?? '/', 'http://vouch.invalid').pathname
    if (urlPath !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, 'not found')
    websockets.handleUpgrade(request, socket, head, (websocket) =>
      serveWebSocket(websocket, options.service.dispatcher, options.service.events),
    )
  })

  const port = await listen(server, host, options.port ?? 0)
  for (const allowed of allowedHosts(host, port)) guard.hosts.add(allowed)

  return {
    host,
    port,
    token,
    url: `http://${urlHost(host)}:${port}/#token=${token}`,
    async close() {
      for (const client of websockets.clients) client.terminate()
      websockets.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
