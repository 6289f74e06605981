/**
 * `vouch serve` compiles only what it serves with before it prints its address: the Prometheus
 * client (with the OpenTelemetry API it loads) and the Transmission RPC only when their listener
 * is asked for.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT, QUIET_FLAGS, VouchProcess } from '../kit/cli.ts'
import { tempDir } from '../kit/swarm.ts'

const TRACE_HOOK = path.join(PROJECT_ROOT, 'test', 'kit', 'module-trace.ts')

/** Every module URL a `vouch serve FLAGS` resolved by the time it was stopped, once serving. */
async function modulesOfServe(flags: string[]): Promise<string[]> {
  const home = await tempDir('vouch-serve-trace-')
  const trace = path.join(home, 'modules.txt')
  const serve = new VouchProcess(
    ['--json', '--home', home, 'serve', '--port', '0', ...QUIET_FLAGS, ...flags],
    {
      nodeArgs: ['--import', TRACE_HOOK],
      env: { VOUCH_MODULE_TRACE: trace },
    },
  )
  try {
    await serve.json((line) => line.event === 'serving', 60_000)
  } finally {
    // At once: serve listens for the signal before it prints the line, so it still closes cleanly
    // (and the trace is written on exit).
    expect(await serve.stop('SIGINT'), serve.stderr).toEqual({ code: 0, signal: null })
  }
  return (await readFile(trace, 'utf8')).split('\n')
}

const metricsModules = (urls: string[]) =>
  urls.filter((url) => /\/node_modules\/(prom-client|@opentelemetry)\/|\/src\/server\/metrics/.test(url))
const rpcModules = (urls: string[]) => urls.filter((url) => url.includes('/src/server/transmission/'))

describe('vouch serve loads an operator listener only when it is asked for', () => {
  it('without --metrics-port or --rpc-port: no Prometheus client, no Transmission RPC', async () => {
    const urls = await modulesOfServe([])
    expect(urls.some((url) => url.endsWith('/src/server/operations.ts'))).toBe(true)
    expect(metricsModules(urls)).toEqual([])
    expect(rpcModules(urls)).toEqual([])
  }, 90_000)

  it('with --metrics-port: the Prometheus client, still no Transmission RPC', async () => {
    const urls = await modulesOfServe(['--metrics-port', '0'])
    expect(metricsModules(urls).some((url) => url.includes('/node_modules/prom-client/'))).toBe(true)
    expect(rpcModules(urls)).toEqual([])
  }, 90_000)
})
