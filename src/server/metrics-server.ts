/**
 * The `/metrics` listener: its own port (never the UI's, whose token it must not share), bound to
 * 127.0.0.1 unless asked otherwise, and with `--metrics-token-file` a bearer token as Prometheus's
 * `authorization` scrape setting sends it. It answers nothing but `GET /metrics`.
 */
import { createServer, type ServerResponse } from 'node:http'
import { readBoundedFile } from '../bounded-read.ts'
import { isVouchError, VouchError } from '../errors.ts'
import { sameToken } from './guard.ts'
import { listen, urlHost } from './listen.ts'
import type { VouchMetrics } from './metrics.ts'

export interface MetricsServerOptions {
  metrics: VouchMetrics
  /** Default 127.0.0.1. */
  host?: string
  /** 0 picks a free port. */
  port: number
  /** Required as `Authorization: Bearer TOKEN` when set. */
  token?: string
}

export interface RunningMetricsServer {
  host: string
  port: number
  /** http://HOST:PORT/metrics */
  url: string
  close(): Promise<void>
}

/** The largest metrics token file read: a token is one line (Prometheus reads the whole file as it). */
export const MAX_METRICS_TOKEN_FILE_BYTES = 16 * 1024

/**
 * The token file's first line; an empty or unreadable file is bad input, not an open endpoint.
 * Read within MAX_METRICS_TOKEN_FILE_BYTES, and only a regular file (not a FIFO or /dev/zero).
 */
export async function readMetricsToken(file: string): Promise<string> {
  const text = await readBoundedFile(file, MAX_METRICS_TOKEN_FILE_BYTES, 'metrics token').then(
    (bytes) => bytes.toString('utf8'),
    (error: unknown) => {
      // Say what the file is for when it cannot even be opened (ENOENT, EACCES).
      if (isVouchError(error) && typeof error.details.errno === 'string')
        throw new VouchError(
          'bad-input',
          `cannot read the metrics token file ${file}: ${error.details.errno}`,
          error.details,
        )
      throw error
    },
  )
  const token = text.split(/\r?\n/, 1)[0]?.trim() ?? ''
  if (token.length < 16) {
    throw new VouchError(
      'bad-input',
      `the metrics token file ${file} must hold a token of at least 16 characters`,
    )
  }
  return token
}

function answer(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  })
  response.end(`${text}\n`)
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((request, response) => {
    if (options.token !== undefined) {
      const authorization = request.headers.authorization ?? ''
      const given = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : ''
      if (!sameToken(given, options.token)) {
        return answer(response, 401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' })
      }
    }
    const urlPath = (request.url ?? '/').split('?', 1)[0]
    if (urlPath !== '/metrics') return answer(response, 404, 'not found')
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return answer(response, 405, 'method not allowed', { Allow: 'GET, HEAD' })
    }
    options.metrics.text().then(
      (text) => {
        response.writeHead(200, {
          'Content-Type': options.metrics.registry.contentType,
          'Cache-Control': 'no-store',
        })
        response.end(request.method === 'HEAD' ? undefined : text)
      },
      (error: unknown) => answer(response, 500, `cannot collect metrics: ${(error as Error).message}`),
    )
  })
  const port = await listen(server, host, options.port, 'metrics')
  return {
    host,
    port,
    url: `http://${urlHost(host)}:${port}/metrics`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
