/**
 * A hostile peer that speaks the real BitTorrent wire over TCP from its own loopback address,
 * knowing only an infohash (a torrent merely held for a signature is enough). After the handshake
 * it writes raw frames: a message declared far larger than any type allows and streamed into,
 * messages longer or shorter than their type, or a flood of valid requests. It never uses
 * bittorrent-protocol to send, so nothing on its side bounds or fixes what it writes.
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { nextLoopbackAddress, withTimeout } from './swarm.ts'

/** Message ids of BEP 3, BEP 6 and BEP 10. */
export const MESSAGE_ID = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  haveAll: 0x0e,
  extended: 20,
} as const

const HANDSHAKE_LENGTH = 68
const BLOCK = 16 * 1024

/** `<length><id><payload>` where `length` is 1 + payload unless `declaredLength` says otherwise. */
export function frame(id: number, payload: Uint8Array = new Uint8Array(), declaredLength?: number): Buffer {
  const header = Buffer.alloc(5)
  header.writeUInt32BE(declaredLength ?? payload.length + 1, 0)
  header[4] = id
  return Buffer.concat([header, payload])
}

/** A `request` (or `cancel`) payload: piece, offset, length. */
export function requestPayload(piece: number, offset: number, length: number): Buffer {
  const payload = Buffer.alloc(12)
  payload.writeUInt32BE(piece, 0)
  payload.writeUInt32BE(offset, 4)
  payload.writeUInt32BE(length, 8)
  return payload
}

export interface HostileOptions {
  /** The Vouch engine's listening port on 127.0.0.1. */
  port: number
  infoHash: string
  /** The loopback address to connect from; default a fresh one. */
  host?: string
  /** Set the BEP 6 fast-extension bit in the handshake (so the remote may reject requests). */
  fast?: boolean
}

/** What the remote sent back and how the connection ended. */
export interface HostileStats {
  bytesReceived: number
  /** Bytes of `piece` payloads received (the data the remote served). */
  pieceBytesReceived: number
  /** `reject` messages received (BEP 6). */
  rejects: number
  unchoked: boolean
  /** `request` messages received: piece, offset, length. */
  requests: [number, number, number][]
}

export class HostilePeer {
  readonly host: string
  readonly socket: net.Socket
  readonly stats: HostileStats = {
    bytesReceived: 0,
    pieceBytesReceived: 0,
    rejects: 0,
    unchoked: false,
    requests: [],
  }
  /** Resolves when the socket closes, whoever closed it. */
  readonly closed: Promise<void>
  #closedAt: number | null = null
  #pending: Buffer[] = []
  #pendingBytes = 0
  #handshakeSeen = false
  #onHandshake: (() => void) | null = null
  #onUnchoke: (() => void) | null = null
  #onRequest: (() => void) | null = null

  private constructor(host: string, socket: net.Socket) {
    this.host = host
    this.socket = socket
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closedAt = Date.now()
        resolve()
      }),
    )
    socket.on('error', () => {})
    socket.on('data', (data: Buffer) => this.#read(data))
  }

  /** Connect from `host`, send a handshake for `infoHash` and wait for the remote's handshake. */
  static async connect(options: HostileOptions): Promise<HostilePeer> {
    const host = options.host ?? nextLoopbackAddress()
    const socket = net.connect({ host: '127.0.0.1', port: options.port, localAddress: host })
    socket.setNoDelay(true)
    const peer = new HostilePeer(host, socket)
    const reserved = Buffer.alloc(8)
    reserved[5] = 0x10 // BEP 10 extension protocol
    if (options.fast) reserved[7] = 0x04
    const handshake = Buffer.concat([
      Buffer.from([19]),
      Buffer.from('BitTorrent protocol'),
      reserved,
      Buffer.from(options.infoHash, 'hex'),
      randomBytes(20),
    ])
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => socket.write(handshake))
        peer.#onHandshake = resolve
        void peer.closed.then(() => reject(new Error(`${host}: closed before the handshake`)))
      }),
      10_000,
      `the remote handshake to ${host}`,
    )
    return peer
  }

  get isClosed(): boolean {
    return this.#closedAt !== null
  }

  /** ms since epoch when the socket closed; null while open. */
  get closedAt(): number | null {
    return this.#closedAt
  }

  /** Write bytes, waiting for the socket to drain. False once the connection is closed. */
  async write(bytes: Uint8Array): Promise<boolean> {
    if (this.isClosed || this.socket.destroyed) return false
    if (this.socket.write(bytes)) return true
    await Promise.race([new Promise((resolve) => this.socket.once('drain', resolve)), this.closed])
    return !this.isClosed
  }

  /** Send `interested` and wait (bounded) for the remote to unchoke us. */
  async interestedUntilUnchoked(ms = 10_000): Promise<void> {
    const unchoked = new Promise<void>((resolve) => {
      if (this.stats.unchoked) resolve()
      else this.#onUnchoke = resolve
    })
    await this.write(frame(MESSAGE_ID.interested))
    await withTimeout(unchoked, ms, `an unchoke for ${this.host}`)
  }

  /**
   * Declare a message of `declaredLength` bytes (id `id`) and stream `streamBytes` of its body in
   * 64 KiB chunks, or until the remote closes. Returns the body bytes written.
   */
  async streamOversized(options: {
    id: number
    declaredLength: number
    streamBytes: number
  }): Promise<number> {
    if (!(await this.write(frame(options.id, new Uint8Array(), options.declaredLength)))) return 0
    const chunk = Buffer.alloc(64 * 1024, 0xab)
    let sent = 0
    while (sent < options.streamBytes) {
      const part = chunk.subarray(0, Math.min(chunk.length, options.streamBytes - sent))
      if (!(await this.write(part))) break
      sent += part.length
    }
    return sent
  }

  /**
   * Send `count` valid 16 KiB requests, spread over `pieces` pieces of `pieceLength` bytes, in
   * batches of a thousand messages. Returns how many were written before the remote closed.
   */
  async floodRequests(options: { count: number; pieces: number; pieceLength: number }): Promise<number> {
    const blocksPerPiece = Math.max(1, Math.floor(options.pieceLength / BLOCK))
    let sent = 0
    while (sent < options.count) {
      const batch: Buffer[] = []
      for (let i = 0; i < 1000 && sent + i < options.count; i++) {
        const block = sent + i
        const piece = Math.floor(block / blocksPerPiece) % options.pieces
        const offset = (block % blocksPerPiece) * BLOCK
        batch.push(frame(MESSAGE_ID.request, requestPayload(piece, offset, BLOCK)))
      }
      if (!(await this.write(Buffer.concat(batch)))) break
      sent += batch.length
    }
    return sent
  }

  /** Act as a seeder: announce every one of `pieces` pieces and unchoke the remote. */
  async offerEverything(pieces: number): Promise<void> {
    const bitfield = Buffer.alloc(Math.ceil(pieces / 8), 0xff)
    if (pieces % 8) bitfield[bitfield.length - 1] = (0xff << (8 - (pieces % 8))) & 0xff
    await this.write(Buffer.concat([frame(MESSAGE_ID.bitfield, bitfield), frame(MESSAGE_ID.unchoke)]))
  }

  /** The first request the remote sends (present or future), bounded. */
  async firstRequest(ms = 10_000): Promise<[number, number, number]> {
    if (!this.stats.requests[0]) {
      await withTimeout(
        new Promise<void>((resolve) => (this.#onRequest = resolve)),
        ms,
        `a request from the remote to ${this.host}`,
      )
    }
    return this.stats.requests[0] as [number, number, number]
  }

  /** Wait (bounded) for the remote to close the connection; true if it did. */
  async closedWithin(ms: number): Promise<boolean> {
    try {
      await withTimeout(this.closed, ms, `the remote to close ${this.host}`)
      return true
    } catch {
      return false
    }
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Count what the remote sends: its handshake, then length-prefixed frames. */
  #read(data: Buffer): void {
    this.stats.bytesReceived += data.length
    this.#pending.push(data)
    this.#pendingBytes += data.length
    if (!this.#handshakeSeen) {
      if (this.#pendingBytes < HANDSHAKE_LENGTH) return
      this.#handshakeSeen = true
      this.#consume(HANDSHAKE_LENGTH)
      this.#onHandshake?.()
    }
    while (this.#pendingBytes >= 5) {
      const head = this.#peek(5)
      const length = head.readUInt32BE(0)
      if (length === 0) {
        this.#consume(4)
        continue
      }
      const id = head[4]
      if (this.#pendingBytes < 4 + length) break
      if (id === MESSAGE_ID.request) {
        const body = this.#peek(17)
        this.stats.requests.push([body.readUInt32BE(5), body.readUInt32BE(9), body.readUInt32BE(13)])
        this.#onRequest?.()
      }
      this.#consume(4 + length)
      if (id === MESSAGE_ID.piece) this.stats.pieceBytesReceived += length - 9
      else if (id === 0x10) this.stats.rejects++
      else if (id === MESSAGE_ID.unchoke) {
        this.stats.unchoked = true
        this.#onUnchoke?.()
      }
    }
  }

  #peek(bytes: number): Buffer {
    if ((this.#pending[0]?.length ?? 0) < bytes) this.#pending = [Buffer.concat(this.#pending)]
    return (this.#pending[0] as Buffer).subarray(0, bytes)
  }

  /** Drop `bytes` from the front; linear in the bytes received (no re-joining per chunk). */
  #consume(bytes: number): void {
    this.#pendingBytes -= bytes
    let left = bytes
    while (left > 0) {
      const first = this.#pending[0] as Buffer
      if (first.length <= left) {
        this.#pending.shift()
        left -= first.length
      } else {
        this.#pending[0] = first.subarray(left)
        left = 0
      }
    }
  }
}
