/** `vouch serve`'s operator flags (metrics, Transmission RPC) turned into the listeners of src/server. */
import type { Backend } from '../../api/backend.ts'
import { vouchVersion } from '../../api/version.ts'
import { VouchError } from '../../errors.ts'
import { startOperations } from '../../server/operations.ts'
import type { RunningServer } from '../../server/server.ts'
import { parsePort } from '../engine-options.ts'

export interface OperatorFlags {
  metricsPort?: string
  metricsHost: string
  metricsTokenFile?: string
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
  })
  return {
    lines: operations.metricsUrl ? [`Prometheus metrics at ${operations.metricsUrl}`] : [],
    json: { metricsUrl: operations.metricsUrl },
    close: () => operations.close(),
  }
}
