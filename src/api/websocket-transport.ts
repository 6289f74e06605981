import type { RawData, WebSocket } from 'ws'
import type { CommandResponse, EventMessage } from './contract.ts'
import type { Dispatcher, EventBus } from './dispatcher.ts'
import { serializeMessage } from './view-cache.ts'

/** Sockets whose send buffer grows past this are too slow for events; they are closed. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024

function send(socket: WebSocket, message: CommandResponse | EventMessage): void {
  if (socket.readyState !== socket.OPEN) return
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    socket.close(1008, 'client too slow')
    return
  }
  socket.send(serializeMessage(message))
}

/**
 * The headless transport: JSON text frames. A frame `{id, command, args}` gets the response
 * `{id, ok, result | error}`; events arrive as `{event, payload}`. Whoever accepted the socket has
 * already checked the token, Host and Origin (src/server).
 */
export function serveWebSocket(socket: WebSocket, dispatcher: Dispatcher, events: EventBus): void {
  const unsubscribe = events.subscribe((message) => send(socket, message))
  socket.on('close', unsubscribe)
  socket.on('error', () => socket.terminate())
  socket.on('message', (data: RawData, isBinary: boolean) => {
    let message: unknown
    try {
      if (isBinary) throw new Error('binary frame')
      message = JSON.parse(data.toString())
    } catch {
      send(socket, {
        ok: false,
        error: { code: 'bad-input', message: 'malformed message: expected one JSON text frame', details: {} },
      })
      return
    }
    void dispatcher.dispatch(message).then((response) => send(socket, response))
  })
}
