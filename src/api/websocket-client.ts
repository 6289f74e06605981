/**
 * A client of the headless API over its WebSocket (`vouch serve`), for other `vouch` commands on
 * the same machine (`vouch events --follow`) and for tests. The token goes in an Authorization
 * header; a Node client sends no Origin, and its Host names the server it dials.
 */
import WebSocket from 'ws'
import { VouchError } from '../errors.ts'
import type { CommandArgs, CommandName, CommandResponse, CommandResult, EventMessage } from './contract.ts'

export interface ApiClient {
  call<K extends CommandName>(command: K, args: CommandArgs<K>, timeoutMs?: number): Promise<CommandResult<K>>
  /** Returns a function that stops listening. */
  onEvent(listener: (message: EventMessage) => void): () => void
  /** Resolves when the server closes the connection (or close() is called). */
  readonly closed: Promise<void>
  close(): void
}

export async function connectApi(url: string, token: string, timeoutMs = 10_000): Promise<ApiClient> {
  const socket = new WebSocket(url, {
    headers: { authorization: `Bearer ${token}` },
    handshakeTimeout: timeoutMs,
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate()
      reject(
        new VouchError(
          'network',
          `the API at ${url} refused the connection: HTTP ${response.statusCode ?? 0}`,
        ),
      )
    })
    socket.once('error', (error) =>
      reject(new VouchError('network', `cannot reach the API at ${url}: ${error.message}`)),
    )
  })
  let nextId = 1
  const pending = new Map<number, (response: CommandResponse) => void>()
  const listeners = new Set<(message: EventMessage) => void>()
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => socket.terminate())
  socket.on('message', (data) => {
    let message: unknown
    try {
      message = JSON.parse(data.toString())
    } catch {
      return
    }
    if (typeof message !== 'object' || message === null) return
    if ('event' in message) {
      for (const listener of listeners) listener(message as EventMessage)
      return
    }
    const response = message as CommandResponse
    if (response.id === undefined) return
    pending.get(response.id)?.(response)
    pending.delete(response.id)
  })
  return {
    call(command, args, callTimeoutMs = 30_000) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new VouchError('network', `${command}: no answer within ${callTimeoutMs} ms`))
        }, callTimeoutMs)
        pending.set(id, (response) => {
          clearTimeout(timer)
          if (response.ok) resolve(response.result as never)
          else
            reject(
              new VouchError(
                response.error.code,
                `${command}: ${response.error.message}`,
                response.error.details,
              ),
            )
        })
        socket.send(JSON.stringify({ id, command, args }))
      })
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    closed,
    close() {
      socket.close()
    },
  }
}
