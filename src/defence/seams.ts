/**
 * Where the defence hooks into WebTorrent, each the narrowest seam available (defence.ts says what
 * the defence does with what comes through them):
 * - `torrent._request` gets the veto of steering.ts, consulted only when WebTorrent could reserve a
 *   block; most calls of its picker find the piece verified or fully reserved, and get WebTorrent's
 *   answer (false) at once;
 * - `torrent._updateWire` asks a connection held to its open pieces for those alone;
 * - `torrent._addPeer` refuses to dial a banned address (WebTorrent's own redials skip the
 *   blocklist);
 * - per wire, `wire.request` counts requests in flight, hands each block that answers a request to
 *   the defence before WebTorrent's callback gets it, and remembers each request that ended without
 *   its block; `wire._onPiece` hands the defence every other block, a late answer to one of those
 *   (timed out or cancelled) as solicited and the rest as unsolicited;
 * - per wire, `choke`/`unchoke` tell the in-flight index which addresses serve us, and when a
 *   second one starts to, the one that served alone gives up its requests beyond the open-piece
 *   limit (which held no loss while nobody else could take them).
 */
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import { addressKey } from './address.ts'
import type { InFlight } from './in-flight.ts'
import type { BlockSender } from './ledger.ts'
import type { RequestSteering } from './steering.ts'

/** WebTorrent internals the defence touches; see the module comment for why each. */
export interface TorrentInternals {
  _request(wire: Wire, index: number, hotswap: boolean): boolean
  _addPeer(peer: unknown, type: string, source?: string): unknown
  _update(): void
  _updateWire(wire: Wire): unknown
  _peers?: Map<string, { addr?: string; conn?: { remoteAddress?: string } | null }>
  /** torrent-piece's Piece per index, null once verified. */
  pieces?: ({ _chunks?: number; _reservations?: number; _cancellations?: number[] | null } | null)[]
  /** Which wire holds each reserved block of a piece. */
  _reservations?: (Wire | null)[][]
  store: { get(index: number, cb: (err: Error | null, buf?: Uint8Array) => void): void } | null
}

export interface WireState {
  sender: BlockSender
  /**
   * Requests asked on this wire that ended without their block (timed out, cancelled, rejected,
   * choked), by request key, with how many times each so ended: a late answer to one of them is
   * still an answer, and a block asked again after a timeout may be answered twice. Requests still
   * outstanding are `wire.requests` itself.
   */
  asked: Map<string, number>
}

/**
 * Requests per wire that ended without their block kept beyond a burst that ended at once; an
 * honest peer answering one older than this is very unlikely.
 */
const MAX_ASKED = 4096
const VETO_RETRY_MS = 50

/** Put the steering's veto and pinning into WebTorrent's piece picker for `torrent`. */
export function steerPicker(torrent: Torrent, steering: RequestSteering): void {
  const internals = torrent as unknown as TorrentInternals
  const request = internals._request
  let retry: NodeJS.Timeout | undefined
  internals._request = function (this: TorrentInternals, wire, index, hotswap) {
    // WebTorrent's own answer here is false too, reached only after it has read the wire's speed
    // for its pipeline length: its picker walks every reserved piece ahead on each refill.
    if (torrent.bitfield.get(index) || nothingToReserve(this, wire, index, hotswap)) return false
    if (!steering.veto(wire, index)) return request.call(this, wire, index, hotswap)
    // WebTorrent only looks for new requests when something happens on a wire; a vetoed wire
    // may have nothing outstanding, so look again shortly in case the veto has lifted.
    retry ??= setTimeout(() => {
      retry = undefined
      if (!torrent.destroyed) internals._update()
    }, VETO_RETRY_MS).unref()
    return false
  }
  // A connection held to its open pieces (on probation: one; proven: at its open-piece limit) gets
  // the rest of those and nothing else: the picker's scan of every piece (and its speed ranking
  // of every other wire per piece) would find each other one vetoed.
  const updateWire = internals._updateWire
  internals._updateWire = function (this: TorrentInternals, wire) {
    if (wire.peerChoking || !wire.downloaded) return updateWire.call(this, wire)
    const pinned = steering.pinnedPiece(wire)
    const pieces = pinned === undefined ? steering.openPiecesAtLimit(wire) : [pinned]
    if (pieces === undefined || pieces.some((piece) => !wire.peerPieces.get(piece)))
      return updateWire.call(this, wire)
    for (const piece of pieces) {
      while (!wire.destroyed && this._request(wire, piece, false)) {
        // request every block of the pieces this wire may have, as far as its pipeline allows
      }
    }
    return undefined
  }
}

/** Every dial goes through _addPeer, including WebTorrent's own redials after a connection closes. */
export function refuseBannedDials(torrent: Torrent, isBanned: (host: string) => boolean): void {
  const internals = torrent as unknown as TorrentInternals
  const addPeer = internals._addPeer
  internals._addPeer = function (this: TorrentInternals, peer, type, source) {
    if (typeof peer === 'string' && isBanned(hostOf(peer))) return null
    return addPeer.call(this, peer, type, source)
  }
}

export interface WireSeams {
  wire: Wire
  torrent: Torrent
  state: WireState
  /** The torrent's in-flight index and steering; absent when the torrent is not attached. */
  inFlight: InFlight | undefined
  steering: RequestSteering | undefined
  /** A block arrived that answers a request asked on this wire. */
  onSolicited(piece: number, offset: number, buffer: Uint8Array): void
  onUnsolicited(piece: number, offset: number, buffer: Uint8Array): void
}

/** Watch what `wire` asks for, receives and whether its peer serves us (see the module comment). */
export function watchWire(seams: WireSeams): void {
  const { wire, torrent, state, inFlight, steering } = seams
  const address = state.sender.address
  if (inFlight) {
    inFlight.connected(address)
    let serving = false
    const serve = (now: boolean) => {
      if (now === serving) return
      serving = now
      if (!now) return inFlight.choked(address)
      const lone = inFlight.loneServer()
      inFlight.unchoked(address)
      if (lone !== undefined && lone !== address && steering) cancelOverLimit(torrent, lone, steering)
    }
    if (!wire.peerChoking) serve(true)
    wire.on('unchoke', () => serve(true))
    wire.on('choke', () => serve(false))
    wire.once('close', () => {
      serve(false)
      inFlight.disconnected(address)
    })
  }
  // A request that ends without its block is remembered in `asked`; the block may still come.
  // Nothing is evicted here: a mass cancel or a choke ends thousands at once, and their late
  // answers (the oldest, already on the way) must still be known. The map shrinks back to
  // MAX_ASKED one entry per later request, as answers use entries up.
  const unanswered = (index: number, offset: number, length: number) => {
    if (wire.destroyed) return
    const key = requestKey(index, offset, length)
    state.asked.set(key, (state.asked.get(key) ?? 0) + 1)
  }
  // Set when the block in hand answered an outstanding request (its callback ran with the block).
  let answeredNow = false
  const request = wire.request
  wire.request = (index, offset, length, cb) => {
    if (state.asked.size > MAX_ASKED) state.asked.delete(state.asked.keys().next().value as string)
    // bittorrent-protocol calls every request back exactly once, however it ends; a request it
    // refuses at once (the wire closed, the peer choking) was never sent, so nothing can answer it.
    let sending = true
    if (inFlight) inFlight.requested(address, index)
    request.call(wire, index, offset, length, (error, block) => {
      if (inFlight) inFlight.answered(address, index)
      if (error) {
        if (!sending) unanswered(index, offset, length)
      } else if (block) {
        // The block answers this request: the defence has it before WebTorrent does.
        answeredNow = true
        seams.onSolicited(index, offset, block)
      }
      cb?.(error, block)
    })
    sending = false
  }
  const onPiece = wire._onPiece
  wire._onPiece = (index, offset, buffer) => {
    // bittorrent-protocol finds the outstanding request the block answers (its `_pull`) and calls
    // it back at once, so no request needs a key or a scan of ours on the way.
    answeredNow = false
    onPiece.call(wire, index, offset, buffer)
    if (answeredNow) return
    if (takeAsked(state, index, offset, buffer.length)) seams.onSolicited(index, offset, buffer)
    else seams.onUnsolicited(index, offset, buffer)
  }
}

function requestKey(index: number, offset: number, length: number): string {
  return `${index}:${offset}:${length}`
}

/** Whether the block answers a request that ended without it; if so, that answer is used up. */
function takeAsked(state: WireState, index: number, offset: number, length: number): boolean {
  if (state.asked.size === 0) return false
  const key = requestKey(index, offset, length)
  const times = state.asked.get(key)
  if (times === undefined) return false
  if (times > 1) state.asked.set(key, times - 1)
  else state.asked.delete(key)
  return true
}

/**
 * `address` served us alone and may have more pieces asked than its limit allows now that another
 * address serves too: cancel those (WebTorrent un-reserves their blocks for the other wires).
 */
function cancelOverLimit(torrent: Torrent, address: string, steering: RequestSteering): void {
  const excess = new Set(steering.overLimit(address))
  if (excess.size === 0) return
  for (const wire of torrent.wires) {
    const host = wire.remoteAddress
    if (wire.destroyed || host === undefined || addressKey(host) !== address) continue
    // Newest first, as a choke ends them: the oldest are the likeliest to be answered late, so
    // they go into `asked` last and are the last to be evicted from it.
    for (const { piece, offset, length } of [...wire.requests].reverse()) {
      if (excess.has(piece)) wire.cancel(piece, offset, length)
    }
  }
}

/**
 * Whether WebTorrent's `_request(wire, index, hotswap)` will refuse by itself: every block of the
 * piece is reserved and none can be taken over from another wire. Most calls of the picker end so
 * (it offers a wire every piece in turn); answering them false at once keeps the veto and
 * WebTorrent's speed reads off the hot path (test/unit/defence/picker-seam.test.ts runs the two
 * side by side). Reads torrent-piece's counters; anything unexpected answers false, so the call
 * goes through.
 */
function nothingToReserve(torrent: TorrentInternals, wire: Wire, index: number, hotswap: boolean): boolean {
  const piece = torrent.pieces?.[index]
  if (!piece || typeof piece._reservations !== 'number' || typeof piece._chunks !== 'number') return false
  if (piece._reservations < piece._chunks || (piece._cancellations?.length ?? 0) > 0) return false
  if (!hotswap) return true
  const holders = torrent._reservations?.[index]
  if (holders === undefined) return false
  for (const holder of holders) if (holder !== null && holder !== wire) return false
  return true
}

export function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(address)
  if (bracketed?.[1]) return bracketed[1]
  const colon = address.lastIndexOf(':')
  return colon === -1 ? address : address.slice(0, colon)
}
