/**
 * The operator listeners `vouch serve` starts next to the web UI: Prometheus `/metrics` and
 * (with its own module) Transmission RPC, plus HOME/serve.json for `vouch events --follow`. Each is
 * a thin adapter over the backend's API service and engine events; serve.ts only passes flags.
 * Each listener's modules load only when it is asked for: prom-client and the OpenTelemetry API
 * it loads are 90 modules that a serve without --metrics-port would compile before serving.
 */
import type { Backend } from '../api/backend.ts'
import { advertise, apiAddress } from './advertisement.ts'
import type { RunningServer } from './server.ts'
import type { RpcCredentials } from './transmission/credentials.ts'

export interface OperationsOptions {
  backend: Backend
  server: RunningServer
  home: string
  version: string
  metrics?: { port: number; host: string; tokenFile?: string }
  rpc?: { port: number; host: string; credentialsFile: string }
}

export interface RunningOperations {
  /** http://HOST:PORT/metrics, when the metrics listener runs. */
  metricsUrl: string | null
  /** http://HOST:PORT/transmission/rpc, when the Transmission RPC listener runs. */
  rpcUrl: string | null
  /** The RPC's credentials file, and whether this run generated it. */
  rpcCredentials: Pick<RpcCredentials, 'file' | 'generated' | 'user'> | null
  close(): Promise<void>
}

export async function startOperations(options: OperationsOptions): Promise<RunningOperations> {
  const closers: (() => Promise<void> | void)[] = []
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    let metricsUrl: string | null = null
    if (options.metrics) {
      const [{ createMetrics }, { readMetricsToken, startMetricsServer }] = await Promise.all([
        import('./metrics.ts'),
        import('./metrics-server.ts'),
      ])
      const token = options.metrics.tokenFile ? await readMetricsToken(options.metrics.tokenFile) : undefined
      const metrics = createMetrics({
        engine: options.backend.engine,
        service: options.backend.service,
        reputation: options.backend.reputation.store,
        version: options.version,
      })
      closers.push(() => metrics.close())
      const listener = await startMetricsServer({
        metrics,
        host: options.metrics.host,
        port: options.metrics.port,
        ...(token ? { token } : {}),
      })
      closers.push(() => listener.close())
      metricsUrl = listener.url
    }
    let rpcUrl: string | null = null
    let rpcCredentials: RunningOperations['rpcCredentials'] = null
    if (options.rpc) {
      const [{ loadRpcCredentials }, { startRpcServer }] = await Promise.all([
        import('./transmission/credentials.ts'),
        import('./transmission/server.ts'),
      ])
      const credentials = await loadRpcCredentials(options.rpc.credentialsFile)
      const { engine, service, reputation } = options.backend
      const listener = await startRpcServer({
        service,
        version: options.version,
        home: options.home,
        peerPort: () => engine.port,
        activeBans: () => reputation.store.activeBanCount(),
        startedAt: Date.now(),
        credentials,
        host: options.rpc.host,
        port: options.rpc.port,
      })
      closers.push(() => listener.close())
      rpcUrl = listener.url
      rpcCredentials = { file: credentials.file, generated: credentials.generated, user: credentials.user }
    }
    const unadvertise = await advertise(options.home, {
      pid: process.pid,
      url: options.server.url,
      api: apiAddress(options.server.host, options.server.port),
      token: options.server.token,
      metrics: metricsUrl,
      rpc: rpcUrl,
    })
    closers.push(unadvertise)
    return { metricsUrl, rpcUrl, rpcCredentials, close }
  } catch (error) {
    await close()
    throw error
  }
}
