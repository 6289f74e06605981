/**
 * A real `vouch serve` process for tests (the CLI as an operator runs it), with a client of its
 * WebSocket API found through HOME/serve.json, the way `vouch events --follow` finds it.
 */
import { connectApi, type ApiClient } from '../../src/api/websocket-client.ts'
import { readAdvertisement, type Advertisement } from '../../src/server/advertisement.ts'
import { QUIET_FLAGS, VouchProcess } from './cli.ts'
import type { Swarm } from './swarm.ts'

export interface ServeProcess {
  process: VouchProcess
  /** The `--json` `serving` line. */
  serving: Record<string, unknown>
  advertisement: Advertisement
  api: ApiClient
}

/**
 * Start `vouch --json --home HOME serve` with discovery off (`quiet`: QUIET_FLAGS unless given)
 * plus `args`; stopped by the swarm.
 */
export async function startServe(
  swarm: Swarm,
  home: string,
  args: string[] = [],
  quiet: readonly string[] = QUIET_FLAGS,
): Promise<ServeProcess> {
  const process = new VouchProcess(['--json', '--home', home, 'serve', ...quiet, ...args])
  swarm.defer(async () => void (await process.stop('SIGTERM').catch(() => process.stop('SIGKILL'))))
  const serving = await process.json((line) => line.event === 'serving', 30_000)
  const advertisement = await readAdvertisement(home)
  const api = await connectApi(advertisement.api, advertisement.token)
  swarm.defer(async () => api.close())
  return { process, serving, advertisement, api }
}
