import path from 'node:path'
import type { Command } from 'commander'
import { openBackend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { startServer } from '../../server/server.ts'
import { globalOptions, note, report } from '../context.ts'
import { dhtBootstrapOption, parsePort, parseSeconds } from '../engine-options.ts'

interface ServeFlags {
  host: string
  port?: string
  torrentPort?: string
  downloadDir?: string
  dht: boolean
  lsd: boolean
  nat: boolean
  tracker: boolean
  dhtBootstrap?: string[]
  feedPoll?: string
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the engine headless with the web UI; prints the address to open, token included')
    .option('--host <address>', 'address to listen on for the web UI', '127.0.0.1')
    .option('--port <n>', 'port for the web UI (default: any free port)')
    .option('--torrent-port <n>', 'listening port for peers (default: the saved setting, else any free port)')
    .option('--download-dir <dir>', 'save downloads here (kept as the download folder setting)')
    .option('--no-dht', 'do not use the DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--no-nat', 'do not map ports with UPnP or NAT-PMP')
    .option('--no-tracker', 'do not announce to trackers')
    .option(...dhtBootstrapOption)
    .option('--feed-poll <seconds>', 'how often followed feeds are polled (default 600)')
    .action(async (flags: ServeFlags, command: Command) => {
      const global = globalOptions(command)
      const port = parsePort(flags.port)
      const backend = await openBackend({
        engine: {
          home: global.home,
          torrentPort: parsePort(flags.torrentPort, '--torrent-port'),
          ...(flags.downloadDir ? { downloadDir: path.resolve(flags.downloadDir) } : {}),
          // A --no-… flag turns a switch off for this run; otherwise HOME/settings.json decides.
          ...(flags.dht ? {} : { dht: false }),
          ...(flags.lsd ? {} : { lsd: false }),
          ...(flags.nat ? {} : { natUpnp: false, natPmp: false }),
          ...(flags.dhtBootstrap ? { dhtBootstrap: flags.dhtBootstrap } : {}),
          tracker: flags.tracker,
          // Like the desktop app: the torrent list survives restarts.
          resume: true,
        },
        version: vouchVersion(),
        ...(flags.feedPoll !== undefined
          ? { feedPollIntervalMs: parseSeconds(flags.feedPoll, '--feed-poll') * 1000 }
          : {}),
        logInternal: (message, error) => note(`vouch serve: ${message}: ${String(error)}`),
      })
      try {
        const server = await startServer({ service: backend.service, host: flags.host, port })
        try {
          report(global, `Vouch is running. Open ${server.url}`, {
            ok: true,
            event: 'serving',
            url: server.url,
            host: server.host,
            port: server.port,
            torrentPort: backend.engine.port,
          })
          if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1') {
            note(
              `warning: listening on ${flags.host}, not only loopback: anyone with the token can control Vouch`,
            )
          }
          note(`stopping (${await untilStopped()})`)
        } finally {
          await server.close()
        }
      } finally {
        await backend.close()
      }
    })
}
