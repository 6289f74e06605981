/** `vouch serve`'s operator flags (metrics, Transmission RPC) turned into the listeners of src/server. */
import path from 'node:path'
import type { Backend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { VouchError } from '../../errors.ts'
import { startOperations } from '../../server/operations.ts'
import type { RunningServer } from '../../server/server.ts'
import { note } from '../context.ts'
import { parsePort } from '../engine-options.ts'

export interface OperatorFlags {
  metricsPort?: string
  metricsHost: string
  metricsTokenFile?: string
  rpcPort?: string
  rpcHost: string
  rpcCredentials?: string
}

export interface OperatorListeners {
  /** Lines for the human `serving` report. */
  lines: string[]
  /** Fields for the --json `serving` report. */
  json: Record<string, unknown>
  close(): Promise<void>
}

export async function startOperatorListeners(
  flags: OperatorFlags,
  context: { backend: Backend; server: RunningServer; home: string },
): Promise<OperatorListeners> {
  if (flags.metricsTokenFile !== undefined && flags.metricsPort === undefined) {
    throw new VouchError('usage', '--metrics-token-file needs --metrics-port')
  }
  if ((flags.rpcPort === undefined) !== (flags.rpcCredentials === undefined)) {
    throw new VouchError('usage', '--rpc-port and --rpc-credentials go together')
  }
  const operations = await startOperations({
    ...context,
    version: vouchVersion(),
    ...(flags.metricsPort !== undefined
      ? {
          metrics: {
            port: parsePort(flags.metricsPort, '--metrics-port'),
            host: flags.metricsHost,
            ...(flags.metricsTokenFile ? { tokenFile: flags.metricsTokenFile } : {}),
          },
        }
      : {}),
    ...(flags.rpcPort !== undefined && flags.rpcCredentials !== undefined
      ? {
          rpc: {
            port: parsePort(flags.rpcPort, '--rpc-port'),
            host: flags.rpcHost,
            credentialsFile: path.resolve(flags.rpcCredentials),
          },
        }
      : {}),
  })
  const lines: string[] = []
  if (operations.metricsUrl) lines.push(`Prometheus metrics at ${operations.metricsUrl}`)
  if (operations.rpcUrl) lines.push(`Transmission RPC at ${operations.rpcUrl}`)
  const credentials = operations.rpcCredentials
  if (credentials?.generated) {
    lines.push(`RPC credentials (user ${credentials.user}, random password) written to ${credentials.file}`)
  }
  const loopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1'
  if (operations.metricsUrl && !loopback(flags.metricsHost) && !flags.metricsTokenFile) {
    note(
      `warning: metrics on ${flags.metricsHost} without --metrics-token-file: anyone who can reach it reads them`,
    )
  }
  if (operations.rpcUrl && !loopback(flags.rpcHost)) {
    note(
      `warning: Transmission RPC on ${flags.rpcHost}: basic auth travels in clear text; put TLS in front of it`,
    )
  }
  return {
    lines,
    json: {
      metricsUrl: operations.metricsUrl,
      rpcUrl: operations.rpcUrl,
      ...(credentials
        ? { rpcCredentials: credentials.file, rpcCredentialsGenerated: credentials.generated }
        : {}),
    },
    close: () => operations.close(),
  }
}
