// The renderer's only view of the back end: the contract's types (erased at build time) and two
// ways to carry its messages — the Electron preload's bridge, or the headless server's WebSocket.
import type {
  ApiError,
  CommandArgs,
  CommandMessage,
  CommandName,
  CommandResponse,
  CommandResult,
  EventMessage,
  VouchBridge,
} from '../../src/api/contract.ts'

export class ApiCallError extends Error {
  readonly code: ApiError['code']
  readonly details: Record<string, unknown>
  constructor(error: ApiError) {
    super(error.message)
    this.code = error.code
    this.details = error.details
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface Api {
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandResult<K>>
  onEvent(listener: (message: EventMessage) => void): () => void
  onConnection(listener: (state: ConnectionState) => void): () => void
  /**
   * Desktop only: show a torrent's data in the system's file manager (the main process resolves
   * the path from the infohash); answers the path shown. Absent in the web UI.
   */
  revealTorrent?(infoHash: string): Promise<string>
}

function unwrap<K extends CommandName>(response: CommandResponse): CommandResult<K> {
  if (!response.ok) throw new ApiCallError(response.error)
  return response.result as CommandResult<K>
}

declare global {
  interface Window {
    vouch?: VouchBridge
  }
}

function bridgeApi(bridge: VouchBridge): Api {
  const desktop = bridge.desktop
  const reveal = desktop && {
    async revealTorrent(infoHash: string): Promise<string> {
      const response = await desktop({ command: 'desktop.revealTorrent', args: { infoHash } })
      if (!response.ok) throw new ApiCallError(response.error)
      return response.result.path
    },
  }
  return {
    ...reveal,
    async call(command, args) {
      return unwrap(await bridge.command({ command, args }))
    },
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection(listener) {
      listener('open')
      return () => undefined
    },
  }
}

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000]
const CALL_TIMEOUT_MS = 60_000

/** The headless transport: JSON frames over one WebSocket, reconnecting when it drops. */
function websocketApi(url: string, protocols: string[]): Api {
  const eventListeners = new Set<(message: EventMessage) => void>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  const pending = new Map<
    number,
    { resolve: (response: CommandResponse) => void; reject: (error: Error) => void }
  >()
  let nextId = 1
  let attempt = 0
  let socket: WebSocket
  let state: ConnectionState = 'connecting'
  let opened: Promise<void>

  const setState = (next: ConnectionState) => {
    state = next
    for (const listener of connectionListeners) listener(next)
  }

  const open = () => {
    setState('connecting')
    socket = new WebSocket(url, protocols)
    opened = new Promise((resolve) => socket.addEventListener('open', () => resolve(), { once: true }))
    socket.addEventListener('open', () => {
      attempt = 0
      setState('open')
    })
    socket.addEventListener('message', (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as CommandResponse | EventMessage
      if ('event' in message) {
        for (const listener of eventListeners) listener(message)
        return
      }
      if (message.id === undefined) return
      pending.get(message.id)?.resolve(message)
      pending.delete(message.id)
    })
    socket.addEventListener('close', () => {
      for (const { reject } of pending.values()) reject(new Error('the connection to Vouch was lost'))
      pending.clear()
      setState('closed')
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]
      setTimeout(open, delay)
    })
  }
  open()

  return {
    async call(command, args) {
      if (state !== 'open') await opened
      const id = nextId++
      const message: CommandMessage = { id, command, args }
      const response = await new Promise<CommandResponse>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${command} got no answer within ${CALL_TIMEOUT_MS / 1000} s`))
        }, CALL_TIMEOUT_MS)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        })
        socket.send(JSON.stringify(message))
      })
      return unwrap(response)
    },
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      listener(state)
      return () => connectionListeners.delete(listener)
    },
  }
}

/** Electron's preload bridge when present, else the WebSocket of the server that served this page. */
export function connectApi(): Api {
  if (window.vouch) return bridgeApi(window.vouch)
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const protocols = [WEBSOCKET_PROTOCOL, `${WEBSOCKET_TOKEN_PROTOCOL_PREFIX}${pageToken()}`]
  return websocketApi(`${scheme}://${location.host}${WEBSOCKET_PATH}`, protocols)
}

// Repeated from src/api/contract.ts (the renderer imports only its types); a unit test pins them.
export const WEBSOCKET_PATH = '/api'
export const WEBSOCKET_PROTOCOL = 'vouch.v1'
export const WEBSOCKET_TOKEN_PROTOCOL_PREFIX = 'vouch-token.'
const TOKEN_STORAGE_KEY = 'vouch.token'

/**
 * The headless server's token stays inside this page: `vouch serve` prints an address with
 * `#token=…` (a fragment is never sent to any server), the page moves it to this tab's
 * sessionStorage (readable by this origin, port included, only) and drops it from the address bar
 * and history; it then travels only in the WebSocket handshake. No cookie: cookies ignore ports.
 */
function pageToken(): string {
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromAddress) {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, fromAddress)
    history.replaceState(null, '', location.pathname + location.search)
    return fromAddress
  }
  return sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? ''
}
