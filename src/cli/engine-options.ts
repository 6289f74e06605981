import type { Command } from 'commander'
import { VouchError } from '../errors.ts'
import type { EngineOptions } from '../engine/engine.ts'
import type { GlobalOptions } from './context.ts'

/** Network switches shared by every command that runs the engine. */
export function withNetworkOptions(command: Command): Command {
  return command
    .option('--port <n>', 'listening port for peers (default: any free port)')
    .option('--no-dht', 'do not use the DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--no-nat', 'do not map ports with UPnP or NAT-PMP')
    .option('--no-tracker', 'do not announce to trackers')
}

export interface NetworkFlags {
  port?: string
  dht: boolean
  lsd: boolean
  nat: boolean
  tracker: boolean
}

export function parsePort(text: string | undefined, flag = '--port'): number {
  if (text === undefined) return 0
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VouchError('usage', `${flag} must be a port number from 0 to 65535, not '${text}'`)
  }
  return port
}

export function engineOptionsFrom(global: GlobalOptions, flags: NetworkFlags): EngineOptions {
  return {
    home: global.home,
    torrentPort: parsePort(flags.port),
    dht: flags.dht,
    lsd: flags.lsd,
    natUpnp: flags.nat,
    natPmp: flags.nat,
    tracker: flags.tracker,
    // One-shot commands do not resume the desktop app's torrent list.
    resume: false,
  }
}
