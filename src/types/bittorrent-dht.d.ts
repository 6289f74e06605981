/** The parts of bittorrent-dht 11 that src/feeds uses (it ships no types). */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'

  export interface DhtPeer {
    host?: string
    address?: string
    port: number
  }

  export interface DhtOptions {
    /** HOST:PORT strings; `false` for none. Default: the public Mainline routers. */
    bootstrap?: string[] | false
    /** Synchronous ed25519 verify; without it mutable items are neither stored nor returned. */
    verify?: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean
    host?: string
    nodeId?: string | Uint8Array
  }

  export interface KrpcMessage {
    t?: Uint8Array
    y?: Uint8Array
    q?: string | Uint8Array
    a?: Record<string, unknown>
    r?: Record<string, unknown>
  }

  export interface PutOptions {
    k: Buffer
    seq: number
    v: unknown
    sig: Buffer
    salt?: Buffer
  }

  export interface Krpc {
    id: Buffer
    nodes: { count(): number; toArray(): { host: string; port: number }[] }
    response(peer: DhtPeer, query: KrpcMessage, response: Record<string, unknown>, nodes?: unknown): void
    /** Every query this node receives (k-rpc's event), with the UDP address it came from. */
    on(event: 'query', listener: (query: KrpcMessage, from: { address: string; port: number }) => void): this
  }

  export default class DHT extends EventEmitter {
    constructor(options?: DhtOptions)
    listening: boolean
    destroyed: boolean
    ready: boolean
    nodeId: Buffer
    _rpc: Krpc
    listen(port?: number, address?: string, onlistening?: () => void): void
    address(): { address: string; family: string; port: number }
    addNode(node: { host: string; port: number }): void
    put(
      options: PutOptions,
      callback?: (error: Error | null, target: Buffer, stored?: number) => void,
    ): Buffer
    destroy(callback?: () => void): void
    /** Iterative lookup towards `target`, calling `onreply` for every answer (internal in 11). */
    _closest(
      target: Buffer,
      message: KrpcMessage,
      onreply: ((message: KrpcMessage, node: DhtPeer) => boolean) | null,
      done: (error: Error | null, visited?: number) => void,
    ): void
    /** How the DHT answers a `get` query (replaced by the test kit's hostile node). */
    _onget(query: KrpcMessage, peer: DhtPeer): void
  }
  export { DHT as Client }
}
