/**
 * The wire guard: bounds on what one peer connection may make this process buffer, parse and
 * queue, installed on every wire of a guarded client the moment WebTorrent creates it (in
 * `Peer#onConnect`, before the socket is piped in, so before any byte is parsed; for incoming
 * connections that is long before the torrent's `wire` event).
 *
 * bittorrent-protocol 5 accepts any declared length and re-joins its whole receive buffer on every
 * chunk, so one 1 GiB message costs quadratic CPU on the event loop that also serves the UI. Per
 * wire, the guard replaces
 * - `_write`/`_processBuffer`: the same parser protocol (`_parse(size, parser)`, MSE's
 *   `_parseUntil` and `_pePending`) over a list of chunks, each byte copied at most once;
 * - with, as soon as a message's length prefix and id byte are in, a check of the length against
 *   its type (wire-limits.ts): a wire that declares more (or less) is destroyed at once and
 *   reported with the id and declared length, and nothing more of it is buffered;
 * - `_onRequest`: at most `maxPeerRequests` requests outstanding; further ones are dropped (up to
 *   a queue's worth rejected under BEP 6) and reported as a flood at most once per
 *   `floodIntervalMs`. The limit
 *   is advertised as `reqq` in the extended handshake, which WebTorrent and libtorrent honour.
 * `wire.request` is wrapped to know the largest block asked on the wire, which bounds `piece`.
 *
 * Plain WebTorrent clients in the same process (benchmark baselines, test peers) are untouched:
 * the hook looks each peer's client up by its throttle groups, which every Peer carries.
 */
import { Buffer } from 'node:buffer'
import type Wire from 'bittorrent-protocol'
import type WebTorrent from 'webtorrent'
import Peer from 'webtorrent/lib/peer.js'
import type { Torrent } from 'webtorrent'
import { lengthAllowed, lengthLimit, messageName, type LimitContext } from './wire-limits.ts'

/**
 * Requests a peer may keep outstanding (8 MiB of 16 KiB blocks), advertised as `reqq`. libtorrent's
 * `max_allowed_in_request_queue` is 2000; see docs/decisions.md ("Wire guard") for why 500 here.
 */
export const MAX_PEER_REQUESTS = 500
export const FLOOD_INTERVAL_MS = 5000

export interface WireGuardOptions {
  /** Requests one peer may have outstanding on a connection. */
  maxPeerRequests: number
  /** A flooding connection is reported at most once per this many ms. */
  floodIntervalMs: number
}

export interface GuardedPeer {
  host: string
  port: number
  peerId: string | null
  /** The torrent the connection is for, once known. */
  infoHash: string | null
}

export interface WireViolation extends GuardedPeer {
  messageId: number
  message: string
  declaredLength: number
  /** The most a message of this type may be there. */
  limit: number
}

export interface RequestFlood extends GuardedPeer {
  /** Requests dropped on this connection so far. */
  dropped: number
  allowed: number
}

export interface WireGuardHooks {
  onViolation(violation: WireViolation): void
  onFlood(flood: RequestFlood): void
}

/** bittorrent-protocol internals the guard replaces or reads (see the module comment). */
interface WireInternals {
  _buffer: Uint8Array[]
  _bufferSize: number
  _parserSize: number
  _parser: ((this: WireInternals, buffer: Uint8Array) => void) | null
  _cryptoSyncPattern: Uint8Array | null
  _waitMaxBytes: number
  _pePending: boolean
  _encryptor: { decrypt(data: Uint8Array): Uint8Array } | null
  _write(data: Uint8Array, cb: (error: Error | null) => void): void
  _processBuffer(): void
  _onMessage(buffer: Uint8Array): void
  _onRequest(index: number, offset: number, length: number): void
  _message(id: number, numbers: number[], data: Uint8Array | null): void
  _debug(...args: unknown[]): void
  peerRequests: unknown[]
  hasFast: boolean
  peerId: string | null | undefined
  remoteAddress: string | undefined
  remotePort: number | undefined
  extendedHandshake: Record<string, unknown>
  request: Wire['request']
  destroy(): void
}

/** webtorrent/lib/peer.js internals (the shell around a wire: its socket and torrent). */
export interface PeerInternals {
  wire: Wire | null
  conn: { remoteAddress?: string; remotePort?: number } | null
  swarm: Torrent | null
  destroyed: boolean
  throttleGroups?: object
  onConnect(): void
  destroy(error?: Error): void
}

interface ClientGuard {
  hooks: WireGuardHooks
  options: WireGuardOptions
}

const guarded = new WeakMap<object, ClientGuard>()
const INSTALLED = Symbol.for('vouch.wire-guard')
const EMPTY = new Uint8Array(0)

/** Guard every future wire of `client`. Call before it connects to anyone. */
export function guardClient(
  client: WebTorrent,
  hooks: WireGuardHooks,
  options: Partial<WireGuardOptions> = {},
): void {
  const throttleGroups = (client as unknown as { throttleGroups?: object }).throttleGroups
  if (!throttleGroups) throw new Error('WebTorrent client without throttle groups: cannot guard its wires')
  guarded.set(throttleGroups, {
    hooks,
    options: { maxPeerRequests: MAX_PEER_REQUESTS, floodIntervalMs: FLOOD_INTERVAL_MS, ...options },
  })
  installPeerHook()
}

function installPeerHook(): void {
  const proto = Peer.prototype as unknown as PeerInternals & { [INSTALLED]?: true }
  if (proto[INSTALLED]) return
  proto[INSTALLED] = true
  const onConnect = proto.onConnect
  proto.onConnect = function (this: PeerInternals) {
    onConnect.call(this)
    const guard = this.throttleGroups && guarded.get(this.throttleGroups)
    if (guard && this.wire && !this.destroyed) guardWire(this.wire, this, guard)
  }
}

/** Guard one wire (exported for tests; engines get it for every wire through guardClient). */
export function guardWire(
  wire: Wire,
  peer: Pick<PeerInternals, 'conn' | 'swarm' | 'destroy'>,
  guard: { hooks: WireGuardHooks; options: WireGuardOptions },
): void {
  const internals = wire as unknown as WireInternals
  const onMessage = internals._onMessage
  const onMessageLength = (internals as unknown as { _onMessageLength: unknown })._onMessageLength
  const { hooks, options } = guard
  const context: LimitContext = { largestRequest: 0, pieces: null }
  /** The id of the message being waited for has been checked against its declared length. */
  let checked = false
  let violated = false
  let dropped = 0
  let floodWindowStart = -Infinity
  let rejectsLeft = 0

  const subjectOf = (): GuardedPeer => {
    const torrent = peer.swarm
    return {
      host: internals.remoteAddress ?? peer.conn?.remoteAddress ?? '',
      port: internals.remotePort ?? peer.conn?.remotePort ?? 0,
      peerId: internals.peerId ?? null,
      infoHash: torrent?.infoHash ?? null,
    }
  }

  const violate = (id: number, declaredLength: number) => {
    violated = true
    const subject = subjectOf()
    const { max } = lengthLimit(id, context)
    internals._buffer = []
    internals._bufferSize = 0
    internals._debug(
      'Error: %s message of %d bytes, at most %d allowed',
      messageName(id),
      declaredLength,
      max,
    )
    peer.destroy(new Error(`protocol violation: ${messageName(id)} message of ${declaredLength} bytes`))
    hooks.onViolation({ ...subject, messageId: id, message: messageName(id), declaredLength, limit: max })
  }

  internals._write = function (data, cb) {
    if (violated) return cb(null)
    if (this._encryptor) data = this._encryptor.decrypt(data)
    if (data.length > 0) {
      this._buffer.push(data)
      this._bufferSize += data.length
    }
    this._processBuffer()
    cb(null)
  }

  internals._processBuffer = function () {
    while (!violated) {
      if (this._cryptoSyncPattern) {
        if (!resynchronise(this)) return
        continue
      }
      if (this._pePending || !this._parser) return
      // bittorrent-protocol reads the prefix as a signed 32-bit number: from 2 GiB on it would
      // take the message for a keep-alive and parse its body as the next prefix.
      if (
        this._parser === onMessageLength &&
        this._bufferSize >= 4 &&
        (byteAt(this._buffer, 0) & 0x80) !== 0
      ) {
        if (this._bufferSize < 5) return
        const length =
          ((byteAt(this._buffer, 0) << 24) >>> 0) +
          (byteAt(this._buffer, 1) << 16) +
          (byteAt(this._buffer, 2) << 8) +
          byteAt(this._buffer, 3)
        return violate(byteAt(this._buffer, 4), length)
      }
      if (this._parser === onMessage && !checked) {
        const first = this._buffer[0]
        if (first === undefined) return
        checked = true
        const id = first[0] as number
        if (!lengthAllowed(id, this._parserSize, refresh(context, peer))) return violate(id, this._parserSize)
      }
      if (this._bufferSize < this._parserSize) return
      const bytes = this._parserSize === 0 ? EMPTY : take(this, this._parserSize)
      checked = false
      this._parser(bytes)
    }
  }

  const request = internals.request
  internals.request = function (this: Wire, index, offset, length, cb) {
    if (length > context.largestRequest) context.largestRequest = length
    request.call(this, index, offset, length, cb)
  }

  const onRequest = internals._onRequest
  internals._onRequest = function (index, offset, length) {
    if (this.peerRequests.length < options.maxPeerRequests) return onRequest.call(this, index, offset, length)
    dropped++
    const now = Date.now()
    if (now - floodWindowStart >= options.floodIntervalMs) {
      floodWindowStart = now
      rejectsLeft = options.maxPeerRequests
      hooks.onFlood({ ...subjectOf(), dropped, allowed: options.maxPeerRequests })
    }
    // A peer that overshoots a little gets BEP 6 rejects and asks again at once; a flooder gets at
    // most one queue's worth per interval (each reject is a write: a flood must not buy 100,000).
    // Written straight to the wire: bittorrent-protocol's reject() scans the queue first.
    if (this.hasFast && rejectsLeft > 0) {
      rejectsLeft--
      this._message(0x10, [index, offset, length], null)
    }
  }

  internals.extendedHandshake.reqq = options.maxPeerRequests
}

function refresh(context: LimitContext, peer: Pick<PeerInternals, 'swarm'>): LimitContext {
  const torrent = peer.swarm
  context.pieces = torrent?.info ? torrent.pieces.length : null
  return context
}

/**
 * MSE resynchronisation (`_parseUntil`): find the pattern in what has arrived, as
 * bittorrent-protocol does, on one joined buffer; bounded because the wire is destroyed once more
 * than `_waitMaxBytes` arrive without it. Returns whether parsing may go on.
 */
function resynchronise(wire: WireInternals): boolean {
  const pattern = wire._cryptoSyncPattern as Uint8Array
  const joined = join(wire._buffer, wire._bufferSize)
  wire._buffer = joined.length > 0 ? [joined] : []
  const index = Buffer.from(joined.buffer, joined.byteOffset, joined.length).indexOf(pattern)
  if (index !== -1) {
    const rest = joined.subarray(index + pattern.length)
    wire._buffer = rest.length > 0 ? [rest] : []
    wire._bufferSize = rest.length
    wire._cryptoSyncPattern = null
    return true
  }
  if (wire._bufferSize > wire._waitMaxBytes + pattern.length) {
    wire._debug('Error: could not resynchronize')
    wire.destroy()
  }
  return false
}

/** Remove and return the first `size` bytes (`size` ≤ `_bufferSize`): zero-copy within one chunk. */
function take(wire: WireInternals, size: number): Uint8Array {
  const chunks = wire._buffer
  const first = chunks[0] as Uint8Array
  wire._bufferSize -= size
  if (first.length >= size) {
    if (first.length === size) chunks.shift()
    else chunks[0] = first.subarray(size)
    return first.subarray(0, size)
  }
  // Every byte is written below, so no zero-fill (a block spans two socket reads about once per
  // 64 KiB read: 16 KiB zeroed for nothing each time).
  const out = Buffer.allocUnsafeSlow(size)
  let filled = 0
  let used = 0
  while (filled < size) {
    const chunk = chunks[used] as Uint8Array
    const wanted = size - filled
    if (chunk.length <= wanted) {
      out.set(chunk, filled)
      filled += chunk.length
      used++
    } else {
      out.set(chunk.subarray(0, wanted), filled)
      chunks[used] = chunk.subarray(wanted)
      filled = size
    }
  }
  chunks.splice(0, used)
  return out
}

/** The byte at `index` of the buffered chunks (index < their total length). */
function byteAt(chunks: Uint8Array[], index: number): number {
  for (const chunk of chunks) {
    if (index < chunk.length) return chunk[index] as number
    index -= chunk.length
  }
  return 0
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
