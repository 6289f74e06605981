import type { Command } from 'commander'
import { openBackend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { startServer } from '../../server/server.ts'
import { readFile } from 'node:fs/promises'
import { VouchError } from '../../errors.ts'
import { BANS_PATH, publishedReport } from '../../reputation/follow.ts'
import { readSigningKey } from '../../reputation/report-signature.ts'
import { globalOptions, note, report } from '../context.ts'
import { parsePort } from '../engine-options.ts'

interface ServeFlags {
  host: string
  port?: string
  torrentPort?: string
  dht: boolean
  lsd: boolean
  nat: boolean
  tracker: boolean
  publishBans?: boolean
  sign?: string
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
    .option('--torrent-port <n>', 'listening port for peers (default: any free port)')
    .option('--no-dht', 'do not use the DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--no-nat', 'do not map ports with UPnP or NAT-PMP')
    .option('--no-tracker', 'do not announce to trackers')
    .option('--publish-bans', "serve this instance's bans as a signed report at /bans.json (needs --sign)")
    .option('--sign <key>', 'the secret key file that signs the published report')
    .action(async (flags: ServeFlags, command: Command) => {
      const global = globalOptions(command)
      const port = parsePort(flags.port)
      if (flags.publishBans && !flags.sign)
        throw new VouchError(
          'usage',
          '--publish-bans needs --sign KEY: followers check the report against your key',
        )
      const signingKey = flags.publishBans && flags.sign ? await readKeyFile(flags.sign) : undefined
      const backend = await openBackend({
        engine: {
          home: global.home,
          torrentPort: parsePort(flags.torrentPort, '--torrent-port'),
          dht: flags.dht,
          lsd: flags.lsd,
          natUpnp: flags.nat,
          natPmp: flags.nat,
          tracker: flags.tracker,
          // Like the desktop app: the torrent list survives restarts.
          resume: true,
        },
        version: vouchVersion(),
        logInternal: (message, error) => note(`vouch serve: ${message}: ${String(error)}`),
      })
      try {
        const server = await startServer({
          service: backend.service,
          host: flags.host,
          port,
          ...(signingKey ? { publishBans: () => publishedReport(backend.reputation.store, signingKey) } : {}),
        })
        try {
          report(global, `Vouch is running. Open ${server.url}`, {
            ok: true,
            event: 'serving',
            url: server.url,
            host: server.host,
            port: server.port,
            torrentPort: backend.engine.port,
            ...(signingKey
              ? { bansUrl: new URL(BANS_PATH, server.url).toString(), fingerprint: signingKey.fingerprint }
              : {}),
          })
          if (signingKey)
            note(
              `publishing bans at ${new URL(BANS_PATH, server.url).toString()}, signed by ${signingKey.fingerprint}`,
            )
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

async function readKeyFile(file: string) {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new VouchError(
      'bad-input',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    )
  }
  return readSigningKey(text)
}
