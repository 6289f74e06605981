/**
 * What the engine listens to on each WebTorrent torrent and its wires, turned into engine events;
 * and the wire guard's reports, turned into defence evidence.
 */
import { Socket } from 'node:net'
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import { addressKey } from '../defence/address.ts'
import type WebTorrent from 'webtorrent'
import { Defence } from '../defence/defence.ts'
import type { EngineOptions } from './engine-options.ts'
import type { EngineEvents } from './events.ts'
import type { EnginePlugin } from './plugin.ts'
import type { TypedEmitter } from './typed-emitter.ts'
import { unchokeEarlyInterest } from './wire-fixes.ts'
import type { RequestFlood, WireViolation } from './wire-guard.ts'

export interface TorrentEventsHost {
  readonly events: TypedEmitter<EngineEvents>
  /** Read at each event: plugins added later (Engine.use) see later wires too. */
  readonly plugins: readonly EnginePlugin[]
  /** The torrent finished downloading. */
  onDone(torrent: Torrent): void
  /** WebTorrent is destroying the torrent with this error. */
  onFatal(torrent: Torrent, error: Error): void
}

export function watchTorrent(torrent: Torrent, seeding: boolean, host: TorrentEventsHost): void {
  const { events } = host
  torrent.once('infoHash', () => {
    events.emit('added', { infoHash: torrent.infoHash, name: torrent.name ?? null, seeding })
  })
  torrent.once('metadata', () => {
    events.emit('metadata', {
      infoHash: torrent.infoHash,
      name: torrent.name,
      length: torrent.length,
      files: torrent.files.map((file) => ({ path: file.path, length: file.length })),
    })
  })
  torrent.once('done', () => {
    events.emit('done', { infoHash: torrent.infoHash, name: torrent.name })
    host.onDone(torrent)
  })
  torrent.on('warning', (error: Error) =>
    events.emit('warning', { infoHash: torrent.infoHash ?? null, message: error.message }),
  )
  torrent.on('error', (error: Error) => {
    host.onFatal(torrent, error)
    events.emit('error', { infoHash: torrent.infoHash ?? null, code: 'internal', message: error.message })
  })
  torrent.on('wire', (wire: Wire) => {
    unchokeEarlyInterest(wire, torrent)
    setNoDelay(torrent, wire)
    for (const plugin of host.plugins) plugin.attachWire?.(wire, torrent)
    const peer = () => ({
      infoHash: torrent.infoHash,
      address: wire.remoteAddress ?? '',
      port: wire.remotePort ?? 0,
      peerId: wire.peerId ?? null,
    })
    events.emit('peer-connected', peer())
    wire.once('close', () => events.emit('peer-disconnected', peer()))
  })
}

/**
 * TCP_NODELAY on the peer's socket, as libtorrent does: otherwise Nagle holds a `request` behind
 * an unacknowledged `have` until the peer's delayed ACK (~40 ms), stalling a drained pipeline.
 */
function setNoDelay(torrent: Torrent, wire: Wire): void {
  const peers = (torrent as unknown as { _peers?: Map<string, { wire?: Wire; conn?: unknown }> })._peers
  for (const peer of peers?.values() ?? []) {
    if (peer.wire !== wire) continue
    if (!(peer.conn instanceof Socket)) return
    peer.conn.setNoDelay(true)
    writeOncePerTick(peer.conn)
    return
  }
}

/**
 * The messages one turn of the event loop sends a peer go out in one write: the socket is corked at
 * the turn's first write and uncorked once the turn's queued work is done. Without Nagle, each
 * 17-byte `request` of a batch was its own system call and its own TCP segment (16,384 of each
 * for 256 MiB); now a batch is one writev, sent as soon as the turn that made it ends.
 */
export function writeOncePerTick(socket: Socket): void {
  const write = socket.write
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    return write.apply(this, args)
  } as Socket['write']
}

/** The poisoned-piece defence for `client`, reporting through `events`; null with `defence: false`. */
export function defenceFor(
  options: EngineOptions,
  client: WebTorrent,
  events: TypedEmitter<EngineEvents>,
): Defence | null {
  if (options.defence === false) return null
  return new Defence({
    client,
    policy: options.defence ?? {},
    ...(options.banStore ? { banStore: options.banStore } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
    onBan: (event) => events.emit('ban', event),
    onCredit: (event) => events.emit('peer-credit', event),
    onHashFailure: (event) => events.emit('hash-failure', event),
    onWarning: (infoHash, message) => events.emit('warning', { infoHash, message }),
  })
}

/** The guard has already closed the wire; the defence bans its address with the evidence. */
export function reportWireViolation(
  defence: Defence | null,
  events: TypedEmitter<EngineEvents>,
  violation: WireViolation,
): void {
  const { host, port, peerId, infoHash, messageId, message, declaredLength, limit } = violation
  if (!defence || !host) {
    events.emit('warning', {
      infoHash,
      message: `closed ${host}:${port}: ${message} message of ${declaredLength} bytes (at most ${limit})`,
    })
    return
  }
  defence.protocol.violation({
    peer: { address: addressKey(host), host, port, peerId },
    evidence: { violation: 'length', infoHash, messageId, message, declaredLength, limit },
  })
}

export function reportRequestFlood(defence: Defence | null, flood: RequestFlood): void {
  const { host, port, peerId, infoHash, dropped, allowed } = flood
  if (!defence || !host) return
  defence.protocol.flood({
    peer: { address: addressKey(host), host, port, peerId },
    infoHash,
    dropped,
    allowed,
  })
}
