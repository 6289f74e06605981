/**
 * What every local HTTP endpoint of `serve` (the UI and API, /metrics, Transmission RPC) does to
 * start listening and to name itself in a URL.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { VouchError } from '../errors.ts'

/**
 * Listen on `host:port` (0: any free port) and return the port bound. A failure (port taken,
 * address not on this machine) is a `network` error naming what was to listen there.
 */
export async function listen(server: Server, host: string, port: number, purpose?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new VouchError(
          'network',
          `cannot listen${purpose ? ` for ${purpose}` : ''} on ${host}:${port}: ${error.message}`,
        ),
      ),
    )
    server.listen(port, host, () => resolve())
  })
  return (server.address() as AddressInfo).port
}

/** `host` as a URL names it: IPv6 in brackets, and the wildcard 0.0.0.0 as loopback. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
}
