/**
 * The API service over a real engine (provenance gate, defence, reputation store), opened exactly
 * as `vouch serve` and the desktop app open it, with helpers to call commands through the
 * dispatcher and to wait for contract events.
 */
import { openBackend, type Backend } from '../../src/api/backend.ts'
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  EventMessage,
  EventName,
  Events,
} from '../../src/api/contract.ts'
import type { EngineOptions } from '../../src/engine/engine.ts'
import { QUIET_CLIENT, type Swarm, withTimeout } from './swarm.ts'

export interface OpenedApi {
  backend: Backend
  events: EventMessage[]
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>>
  /** The first event of that name (already seen or still to come). */
  nextEvent<K extends EventName>(event: K, ms?: number): Promise<Events[K]>
}

/** Discovery off, no resume unless `engine.resume` says so; closed with the swarm. */
export async function openApi(swarm: Swarm, engine: Partial<EngineOptions> = {}): Promise<OpenedApi> {
  const backend = await openBackend({
    engine: {
      ...QUIET_CLIENT,
      resume: false,
      ...engine,
      home: engine.home ?? (await swarm.tempDir('vouch-home-')),
    },
    version: 'test',
  })
  // Idempotent: a test may close it first to reopen the same home.
  swarm.defer(() => backend.close())
  const events: EventMessage[] = []
  const service = backend.service
  service.events.subscribe((message) => events.push(message))
  return {
    backend,
    events,
    async call(command, args) {
      const response = await service.dispatcher.dispatch({ command, args })
      if (!response.ok) throw new Error(`${command}: ${response.error.code}: ${response.error.message}`)
      return response.result as never
    },
    nextEvent<K extends EventName>(event: K, ms = 20_000): Promise<Events[K]> {
      const payloadOf = (message: EventMessage) => message.payload as Events[K]
      const seen = events.find((message) => message.event === event)
      if (seen) return Promise.resolve(payloadOf(seen))
      return withTimeout(
        new Promise<Events[K]>((resolve) => {
          const off = service.events.subscribe((message) => {
            if (message.event !== event) return
            off()
            resolve(payloadOf(message))
          })
        }),
        ms,
        `the ${event} event`,
      )
    },
  }
}
