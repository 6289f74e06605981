import path from 'node:path'
import type { Command } from 'commander'
import { openBackend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { startServer } from '../../server/server.ts'
import { startOperatorListeners, type OperatorFlags } from './serve-operator.ts'
import { VouchError } from '../../errors.ts'
import { readSecretKeyFile } from '../../provenance/files.ts'
import { parseInterval, scheduleCheckpoints } from '../../reputation/checkpoint-writer.ts'
import { BANS_PATH, publishedReport } from '../../reputation/follow.ts'
import { globalOptions, note, report } from '../context.ts'
import { dhtBootstrapOption, parsePort, parseSeconds } from '../engine-options.ts'

interface ServeFlags extends OperatorFlags {
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
  checkpointDir?: string
  checkpointEvery: string
  checkpointKey?: string
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
    .option('--torrent-port <n>', 'listening port for peers (default: the saved setting, else any free port)')
    .option('--download-dir <dir>', 'save downloads here (kept as the download folder setting)')
    .option('--no-dht', 'do not use the DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--no-nat', 'do not map ports with UPnP or NAT-PMP')
    .option('--no-tracker', 'do not announce to trackers')
    .option(...dhtBootstrapOption)
    .option('--feed-poll <seconds>', 'how often followed feeds are polled (default 600)')
    // Operators (issue 13): Prometheus metrics and Transmission RPC listeners; see serve-operator.ts.
    .option('--metrics-port <n>', 'serve Prometheus metrics at /metrics on this port')
    .option('--metrics-host <address>', 'address for the metrics listener', '127.0.0.1')
    .option('--metrics-token-file <file>', 'require this bearer token (first line of FILE) on /metrics')
    .option('--rpc-port <n>', 'serve Transmission RPC at /transmission/rpc on this port')
    .option('--rpc-host <address>', 'address for the Transmission RPC listener', '127.0.0.1')
    .option('--rpc-credentials <file>', 'user:password for the RPC (mode 0600; made if missing)')
    .option('--checkpoint-dir <dir>', 'write signed checkpoints of the audit log here (keep it elsewhere)')
    .option('--checkpoint-every <interval>', 'how often: 90s, 30m, 1h, 1d', '1h')
    .option('--checkpoint-key <key>', 'the secret key file that signs the checkpoints')
    .option('--publish-bans', "serve this instance's bans as a signed report at /bans.json (needs --sign)")
    .option('--sign <key>', 'the secret key file that signs the published report')
    .action(async (flags: ServeFlags, command: Command) => {
      const global = globalOptions(command)
      const port = parsePort(flags.port)
      const checkpoints = flags.checkpointDir
        ? await checkpointOptions(flags, global.insecureKeyPermissions ?? false)
        : undefined
      if (flags.publishBans && !flags.sign)
        throw new VouchError(
          'usage',
          '--publish-bans needs --sign KEY: followers check the report against your key',
        )
      const signingKey =
        flags.publishBans && flags.sign
          ? await readSecretKeyFile(flags.sign, {
              insecurePermissions: global.insecureKeyPermissions ?? false,
            })
          : undefined
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
        const server = await startServer({
          service: backend.service,
          host: flags.host,
          port,
          ...(signingKey ? { publishBans: () => publishedReport(backend.reputation.store, signingKey) } : {}),
        })
        const operator = await startOperatorListeners(flags, { backend, server, home: global.home }).catch(
          async (error: unknown) => {
            await server.close()
            throw error
          },
        )
        // Listening for the signals before saying so: a supervisor may stop serve at once.
        const stopped = untilStopped()
        try {
          report(global, [`Vouch is running. Open ${server.url}`, ...operator.lines].join('\n'), {
            ok: true,
            event: 'serving',
            url: server.url,
            host: server.host,
            port: server.port,
            torrentPort: backend.engine.port,
            ...operator.json,
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
          note(`stopping (${await stopped})`)
        } finally {
          await operator.close()
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
