/**
 * Debian's real Prometheus server (`prometheus`, installed by .ci/run) for tests: a generated
 * config and TSDB in a temp dir, a free loopback port, a 1 s scrape interval, stopped by PID.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { freePort } from '../interop/clients.ts'
import { LineProcess } from './process.ts'
import type { Swarm } from './swarm.ts'

export const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus'
export const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool'

export interface PrometheusServer {
  url: string
  /** An instant query's result vector (`/api/v1/query`). */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
  /** Polls `promql` until `accept` holds for its result, up to `timeoutMs`. */
  until(
    promql: string,
    accept: (result: { metric: Record<string, string>; value: [number, string] }[]) => boolean,
    timeoutMs?: number,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
}

/** Scrapes `target` (HOST:PORT) at /metrics every second, with a bearer token file if given. */
export async function startPrometheus(
  swarm: Swarm,
  target: string,
  options: { bearerTokenFile?: string } = {},
): Promise<PrometheusServer> {
  const dir = await swarm.tempDir('vouch-prometheus-')
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: vouch',
    ...(options.bearerTokenFile
      ? ['    authorization:', '      type: Bearer', `      credentials_file: ${options.bearerTokenFile}`]
      : []),
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n')
  const configFile = path.join(dir, 'prometheus.yml')
  await writeFile(configFile, config)
  const port = await freePort()
  const server = new LineProcess(PROMETHEUS, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ])
  swarm.defer(async () => void (await server.stop('SIGTERM')))
  const url = `http://127.0.0.1:${port}`
  const query: PrometheusServer['query'] = async (promql) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`)
    const body = (await response.json()) as { status: string; data?: { result: never[] }; error?: string }
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? response.status}`)
    return body.data?.result ?? []
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (!server.running) throw new Error(`prometheus exited: ${server.stderr}`)
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) throw new Error(`prometheus not ready on ${url}; stderr: ${server.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    query,
    async until(promql, accept, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let last: Awaited<ReturnType<typeof query>> = []
      while (Date.now() < deadline) {
        last = await query(promql)
        if (accept(last)) return last
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
      throw new Error(`timed out after ${timeoutMs} ms: ${promql}; last result: ${JSON.stringify(last)}`)
    },
  }
}
