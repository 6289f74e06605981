import type { Command } from 'commander'
import { openBackend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { startServer } from '../../server/server.ts'
import { VouchError } from '../../errors.ts'
import { readSecretKeyFile } from '../../provenance/files.ts'
import { parseInterval, scheduleCheckpoints } from '../../reputation/checkpoint-writer.ts'
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
  checkpointDir?: string
  checkpointEvery: string
  checkpointKey?: string
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
    .option('--checkpoint-dir <dir>', 'write signed checkpoints of the audit log here (keep it elsewhere)')
    .option('--checkpoint-every <interval>', 'how often: 90s, 30m, 1h, 1d', '1h')
    .option('--checkpoint-key <key>', 'the secret key file that signs the checkpoints')
    .action(async (flags: ServeFlags, command: Command) => {
      const global = globalOptions(command)
      const port = parsePort(flags.port)
      const checkpoints = flags.checkpointDir
        ? await checkpointOptions(flags, global.insecureKeyPermissions ?? false)
        : undefined
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
      const schedule = checkpoints
        ? scheduleCheckpoints({
            store: backend.reputation.store,
            dir: checkpoints.dir,
            key: checkpoints.key,
            everyMs: checkpoints.everyMs,
            onWritten: (file, checkpoint) => note(`audit checkpoint of ${checkpoint.size} events → ${file}`),
            onError: (error) => note(`vouch serve: audit checkpoint failed: ${String(error)}`),
          })
        : undefined
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
        schedule?.stop()
        await backend.close()
      }
    })
}

async function checkpointOptions(flags: ServeFlags, insecurePermissions: boolean) {
  const everyMs = parseInterval(flags.checkpointEvery)
  if (everyMs === null)
    throw new VouchError(
      'usage',
      `--checkpoint-every must be a number with s, m, h or d (at least 1s), not '${flags.checkpointEvery}'`,
    )
  if (!flags.checkpointKey)
    throw new VouchError('usage', '--checkpoint-dir needs --checkpoint-key: the secret key that signs them')
  const key = await readSecretKeyFile(flags.checkpointKey, { insecurePermissions })
  return { dir: flags.checkpointDir ?? '', everyMs, key }
}
