import type { z } from 'zod'
import { isVouchError, type ErrorCode } from '../errors.ts'
import { TypedEmitter } from '../engine/typed-emitter.ts'
import { FAST_RESULT_CHECKS } from './fast-checks.ts'
import {
  COMMANDS,
  CommandMessageSchema,
  EVENTS,
  type ApiError,
  type CommandName,
  type CommandResponse,
  type Commands,
  type EventMessage,
  type EventName,
  type Events,
} from './contract.ts'

/** One handler per command of the contract; a missing one is a type error. */
export type Handlers = {
  [K in CommandName]: (
    args: Commands[K]['parsedArgs'],
  ) => Promise<Commands[K]['result']> | Commands[K]['result']
}

/** Called for failures the caller did not cause (a handler bug, a result outside the contract). */
export type InternalErrorLog = (message: string, error: unknown) => void

function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ApiError {
  return { code, message, details }
}

/** "args.source: Too small" — the first few schema issues, naming each field. */
function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ')
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

/**
 * The one entry point for commands from every transport. It validates the message, the command
 * name and the arguments before any handler runs, and the result before it leaves; every failure
 * becomes a typed error response, never an exception.
 */
export class Dispatcher {
  readonly #handlers: Handlers
  readonly #logInternal: InternalErrorLog

  constructor(handlers: Handlers, logInternal: InternalErrorLog = () => undefined) {
    this.#handlers = handlers
    this.#logInternal = logInternal
  }

  async dispatch(message: unknown): Promise<CommandResponse> {
    const envelope = CommandMessageSchema.safeParse(message)
    if (!envelope.success) {
      const id =
        typeof message === 'object' && message !== null ? (message as { id?: unknown }).id : undefined
      return {
        ...(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? { id } : {}),
        ok: false,
        error: apiError(
          'bad-input',
          `malformed command message: ${describeIssues(envelope.error, 'message')}`,
        ),
      }
    }
    const { id, command } = envelope.data
    const withId = id === undefined ? {} : { id }
    if (!isCommandName(command)) {
      return {
        ...withId,
        ok: false,
        error: apiError('bad-input', `unknown command '${command.slice(0, 100)}'`, { command }),
      }
    }
    return { ...withId, ...(await this.#run(command, envelope.data.args)) }
  }

  async #run<K extends CommandName>(
    command: K,
    rawArgs: unknown,
  ): Promise<{ ok: true; result: Commands[K]['result'] } | { ok: false; error: ApiError }> {
    const schema = COMMANDS[command]
    const args = schema.args.safeParse(rawArgs ?? {})
    if (!args.success) {
      return {
        ok: false,
        error: apiError(
          'bad-input',
          `invalid arguments for ${command}: ${describeIssues(args.error, 'args')}`,
          {
            command,
          },
        ),
      }
    }
    let result: unknown
    try {
      const handler = this.#handlers[command] as (args: unknown) => unknown
      result = await handler(args.data)
    } catch (error) {
      if (isVouchError(error)) {
        return { ok: false, error: apiError(error.code, error.message, { ...error.details }) }
      }
      this.#logInternal(`${command} failed`, error)
      return { ok: false, error: apiError('internal', `${command} failed unexpectedly`) }
    }
    // A fast check accepts only what the schema would return unchanged; anything else goes to zod.
    const fast = FAST_RESULT_CHECKS[command] as ((value: unknown) => boolean) | undefined
    if (fast?.(result)) return { ok: true, result: result as Commands[K]['result'] }
    const checked = schema.result.safeParse(result)
    if (!checked.success) {
      this.#logInternal(`${command} returned a result outside the contract`, checked.error)
      return { ok: false, error: apiError('internal', `${command} returned a result outside the contract`) }
    }
    return { ok: true, result: checked.data as Commands[K]['result'] }
  }
}

/**
 * Events on their way to the UI. Every payload is checked against the contract before any
 * transport sees it, so a bug behind the API cannot push malformed data into the renderer.
 */
export class EventBus {
  readonly #emitter = new TypedEmitter<{ message: EventMessage }>()
  readonly #logInternal: InternalErrorLog

  constructor(logInternal: InternalErrorLog = () => undefined) {
    this.#logInternal = logInternal
  }

  publish<K extends EventName>(event: K, payload: Events[K]): void {
    const checked = EVENTS[event].safeParse(payload)
    if (!checked.success) {
      this.#logInternal(`event ${event} is outside the contract; dropped`, checked.error)
      return
    }
    this.#emitter.emit('message', { event, payload: checked.data } as EventMessage)
  }

  /** Returns a function that unsubscribes. */
  subscribe(listener: (message: EventMessage) => void): () => void {
    return this.#emitter.on('message', listener)
  }
}
