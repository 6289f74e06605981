/**
 * Transmission's RPC at `/transmission/rpc`, for the remotes and *arr apps operators already run:
 * basic auth (compared in constant time), then the `X-Transmission-Session-Id` handshake (a 409
 * carrying the id, which the client sends back; it stops cross-site requests, which cannot set
 * the header), then JSON `{method, arguments, tag}` → `{result, arguments, tag}`.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { MAX_TORRENT_FILE_BASE64 } from '../../api/contract.ts'
import { VouchError } from '../../errors.ts'
import { sameToken } from '../guard.ts'
import { listen, urlHost } from '../listen.ts'
import type { RpcCredentials } from './credentials.ts'
import { RpcFailure } from './failure.ts'
import { RpcMethods, type RpcContext } from './methods.ts'

export const RPC_PATH = '/transmission/rpc'
export const SESSION_HEADER = 'x-transmission-session-id'
/** A metainfo (base64) of the largest .torrent plus the JSON around it. */
const MAX_BODY_BYTES = MAX_TORRENT_FILE_BASE64 + 64 * 1024

export interface RpcServerOptions extends RpcContext {
  credentials: Pick<RpcCredentials, 'user' | 'password'>
  /** Default 127.0.0.1. */
  host?: string
  /** 0 picks a free port. */
  port: number
}

export interface RunningRpcServer {
  host: string
  port: number
  /** http://HOST:PORT/transmission/rpc */
  url: string
  close(): Promise<void>
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'Cache-Control': 'no-store', ...headers })
  response.end(body)
}

function basicCredentials(request: IncomingMessage): string {
  const header = request.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return ''
  return Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8')
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        resolve(null)
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

export async function startRpcServer(options: RpcServerOptions): Promise<RunningRpcServer> {
  const host = options.host ?? '127.0.0.1'
  const sessionId = randomBytes(24).toString('base64url')
  const expected = `${options.credentials.user}:${options.credentials.password}`
  const rpc = new RpcMethods(options)
  const methods = rpc.methods()

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!sameToken(basicCredentials(request), expected)) {
      return send(response, 401, '401: Unauthorized\n', {
        'WWW-Authenticate': 'Basic realm="Transmission"',
        'Content-Type': 'text/plain; charset=utf-8',
      })
    }
    const urlPath = (request.url ?? '/').split('?', 1)[0]
    if (urlPath !== RPC_PATH && urlPath !== `${RPC_PATH}/`) {
      return send(response, 404, '404: Not Found\n', { 'Content-Type': 'text/plain; charset=utf-8' })
    }
    const given = request.headers[SESSION_HEADER]
    if (typeof given !== 'string' || !sameToken(given, sessionId)) {
      return send(response, 409, `<h1>409: Conflict</h1><p>${SESSION_HEADER}: ${sessionId}</p>`, {
        'X-Transmission-Session-Id': sessionId,
        'Content-Type': 'text/html; charset=utf-8',
      })
    }
    if (request.method !== 'POST') return send(response, 405, '405: Method Not Allowed\n', { Allow: 'POST' })
    const body = await readBody(request)
    if (body === null) return send(response, 413, '413: Payload Too Large\n')
    let message: { method?: unknown; arguments?: unknown; tag?: unknown }
    try {
      message = JSON.parse(body) as typeof message
      if (typeof message !== 'object' || message === null) throw new Error('not an object')
    } catch {
      return send(response, 400, '400: Bad Request: the body is not a JSON object\n')
    }
    const tag = typeof message.tag === 'number' ? { tag: message.tag } : {}
    const method = typeof message.method === 'string' ? methods[message.method] : undefined
    let reply: Record<string, unknown>
    if (!method) {
      reply = { result: 'method name not recognized', arguments: {}, ...tag }
    } else {
      const args =
        typeof message.arguments === 'object' && message.arguments !== null
          ? (message.arguments as Record<string, unknown>)
          : {}
      try {
        reply = { result: 'success', arguments: await method(args), ...tag }
      } catch (error) {
        if (!(error instanceof RpcFailure) && !(error instanceof VouchError)) throw error
        const details = error instanceof RpcFailure ? error.arguments : {}
        reply = { result: error.message, arguments: details, ...tag }
      }
    }
    send(response, 200, JSON.stringify(reply), {
      'Content-Type': 'application/json; charset=UTF-8',
      'X-Transmission-Session-Id': sessionId,
    })
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `500: ${(error as Error).message}\n`)
      else response.destroy()
    })
  })
  const port = await listen(server, host, options.port, 'RPC')
  return {
    host,
    port,
    url: `http://${urlHost(host)}:${port}${RPC_PATH}`,
    async close() {
      rpc.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
