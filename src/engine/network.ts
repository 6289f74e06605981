/**
 * Network settings applied to a running WebTorrent client. WebTorrent reads them once, when the
 * client is created; what can change later without recreating it is changed here:
 * - the listening port: a new connection pool (WebTorrent's ConnPool, the TCP server) on the new
 *   port replaces the old one, open connections stay, and every torrent announces the new port;
 * - PEX: the switch WebTorrent reads for each new connection.
 * The DHT and LSD are switched in dht-switch.ts and lsd-switch.ts; UPnP and NAT-PMP apply when the
 * engine next starts (docs/decisions.md, "Network settings at once").
 */
import type { Server } from 'node:net'
import type WebTorrent from 'webtorrent'
import { VouchError } from '../errors.ts'

/** webtorrent/lib/conn-pool.js internals this module drives. */
interface ConnPool {
  tcpServer: Server | null
  _onTCPError: (error: Error) => void
  destroy(cb?: () => void): void
}

interface ClientInternals {
  torrentPort: number
  utPex: boolean
  _connPool?: ConnPool
  torrents: { discovery?: { updatePort?(port: number): void } | null }[]
}

/**
 * Listen for peers on `port` (0: any free port) from now on; the answer is the port listened on.
 * A port that cannot be bound is refused and the old one kept (WebTorrent itself would destroy the
 * whole client on that error).
 */
export async function relisten(client: WebTorrent, port: number): Promise<number> {
  const internals = client as unknown as ClientInternals
  const old = internals._connPool
  if (!old?.tcpServer) throw new VouchError('internal', 'the engine is not listening for peers')
  if (port !== 0 && port === client.address()?.port) return port
  const Pool = old.constructor as new (client: WebTorrent) => ConnPool
  const previousPort = internals.torrentPort
  internals.torrentPort = port
  // The constructor starts listening; its error handler is swapped before the error can arrive.
  const pool = new Pool(client)
  const server = pool.tcpServer
  if (!server) throw new VouchError('internal', 'the new connection pool has no TCP server')
  server.removeListener('error', pool._onTCPError)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve())
      server.once('error', reject)
    })
  } catch (error) {
    internals.torrentPort = previousPort
    pool.destroy()
    throw new VouchError(
      'bad-input',
      `cannot listen for peers on port ${port}: ${(error as Error).message}`,
      {
        port,
      },
    )
  }
  server.on('error', pool._onTCPError)
  internals._connPool = pool
  old.destroy()
  const listening = client.address()?.port ?? port
  for (const torrent of internals.torrents) torrent.discovery?.updatePort?.(listening)
  return listening
}

/** Offer PEX (ut_pex) on connections made from now on. */
export function setPex(client: WebTorrent, enabled: boolean): void {
  ;(client as unknown as ClientInternals).utPex = enabled
}

/** Nodes in the DHT routing table (0 with the DHT off). */
export function dhtNodeCount(client: WebTorrent): number {
  const dht = (client as unknown as { dht?: { nodes?: { count(): number } } | null }).dht
  const count = dht?.nodes?.count()
  return typeof count === 'number' && Number.isFinite(count) ? count : 0
}
