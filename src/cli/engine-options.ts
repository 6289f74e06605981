import type { Command } from 'commander'
import { VouchError } from '../errors.ts'
import type { EngineOptions } from '../engine/engine.ts'
import { parseBootstrap } from '../feeds/bootstrap.ts'
import type { GlobalOptions } from './context.ts'

/** Network switches shared by every command that runs the engine. */
export function withNetworkOptions(command: Command): Command {
  return command
    .option('--port <n>', 'listening port for peers (default: any free port)')
    .option('--no-dht', 'do not use the DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--no-nat', 'do not map ports with UPnP or NAT-PMP')
    .option('--no-tracker', 'do not announce to trackers')
    .option(...dhtBootstrapOption)
}

/** `--dht-bootstrap HOST:PORT`, repeatable: join the DHT through these nodes (e.g. a loopback DHT). */
export const dhtBootstrapOption = [
  '--dht-bootstrap <host:port>',
  'join the DHT through this node instead of the public routers (repeatable)',
  (value: string, previous: string[] = []) => [...previous, parseBootstrap(value)],
] as const

export interface NetworkFlags {
  port?: string
  dht: boolean
  lsd: boolean
  nat: boolean
  tracker: boolean
  dhtBootstrap?: string[]
}

export function parsePort(text: string | undefined, flag = '--port'): number {
  if (text === undefined) return 0
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VouchError('usage', `${flag} must be a port number from 0 to 65535, not '${text}'`)
  }
  return port
}

/** A whole number of seconds, 1 to one day. */
export function parseSeconds(text: string, flag: string): number {
  const seconds = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new VouchError('usage', `${flag} must be a number of seconds from 1 to 86400, not '${text}'`)
  return seconds
}

export function engineOptionsFrom(global: GlobalOptions, flags: NetworkFlags): EngineOptions {
  return {
    home: global.home,
    torrentPort: parsePort(flags.port),
    dht: flags.dht,
    ...(flags.dhtBootstrap ? { dhtBootstrap: flags.dhtBootstrap } : {}),
    lsd: flags.lsd,
    natUpnp: flags.nat,
    natPmp: flags.nat,
    tracker: flags.tracker,
    // One-shot commands do not resume the desktop app's torrent list.
    resume: false,
  }
}
