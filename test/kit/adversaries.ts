/**
 * Adversarial peers for the shared swarm kit. Each is a real WebTorrent seeder on its own loopback
 * address whose WireBehaviour tampers with what it sends (it wraps `wire.piece`, the one call a
 * seeder answers requests through). Plus the tools tests and benches use to judge the outcome:
 * a watch that counts the corrupt bytes a leecher took in, and a raw dialler that connects from a
 * chosen loopback address.
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import Wire from 'bittorrent-protocol'
import WebTorrent, { type ClientOptions, type Torrent } from 'webtorrent'
import {
  nextLoopbackAddress,
  QUIET_CLIENT,
  stopClient,
  withTimeout,
  type Payload,
  type Seeder,
  type Swarm,
  type WireBehaviour,
} from './swarm.ts'

/** A copy with its first byte flipped: never equal to the original, and cheap. */
function corrupt(buffer: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(buffer)
  copy[0] = (copy[0] ?? 0) ^ 0xff
  return copy
}

/** Decide per block whether to corrupt it; state lives in the closure, shared by all the peer's wires. */
function tamper(shouldCorrupt: (piece: number, offset: number) => boolean): WireBehaviour {
  return (wire) => {
    const send = wire.piece
    wire.piece = (index, offset, buffer) =>
      send.call(wire, index, offset, shouldCorrupt(index, offset) ? corrupt(buffer) : buffer)
  }
}

export const behaviours = {
  /** Every block it sends is false. */
  corruptsEveryBlock(): WireBehaviour {
    return tamper(() => true)
  },

  /**
   * This fraction of its blocks is false, evenly spaced (for 5%: every 20th block it sends), so a
   * test's outcome does not hang on a random draw.
   */
  corruptsFraction(fraction: number): WireBehaviour {
    let sent = 0
    return tamper(() => {
      sent++
      return Math.floor(sent * fraction) > Math.floor((sent - 1) * fraction)
    })
  },

  /** In every piece it serves, the first block is false and the others true. */
  corruptsOneBlockPerPiece(): WireBehaviour {
    return tamper((_piece, offset) => offset === 0)
  },

  /** Serves its first `pieces` distinct pieces honestly, then corrupts every block. */
  turnsBadAfter(pieces: number): WireBehaviour {
    const honest = new Set<number>()
    return tamper((piece) => {
      if (honest.has(piece)) return false
      if (honest.size < pieces) {
        honest.add(piece)
        return false
      }
      return true
    })
  },

  /**
   * Serves its first `pieces` distinct pieces honestly; after that corrupts every block and holds
   * back the last block of each piece for `holdMs`, so none of its false pieces completes (and
   * fails) before it has sent as many false blocks as the leecher lets it have outstanding. Only a
   * bound on the pieces one address may have open keeps what it spoils small.
   */
  turnsBadAfterWithholding(pieces: number, holdMs: number): WireBehaviour {
    const honest = new Set<number>()
    return (wire, torrent) => {
      const send = wire.piece
      wire.piece = (index, offset, buffer) => {
        if (honest.has(index) || honest.size < pieces) {
          honest.add(index)
          return send.call(wire, index, offset, buffer)
        }
        const length = index === torrent.pieces.length - 1 ? torrent.lastPieceLength : torrent.pieceLength
        const spoiled = corrupt(buffer)
        if (offset + buffer.length < length) return send.call(wire, index, offset, spoiled)
        setTimeout(() => {
          if (!wire.destroyed) send.call(wire, index, offset, spoiled)
        }, holdMs).unref()
      }
    }
  },

  /**
   * Answers requests honestly, and with every answer also sends a block nobody asked for (random
   * bytes at an offset no client requests).
   */
  sendsUnsolicitedBlocks(): WireBehaviour {
    return (wire, torrent) => {
      const send = wire.piece
      wire.piece = (index, offset, buffer) => {
        send.call(wire, index, offset, buffer)
        const other = (index + 1) % Math.max(1, torrent.pieces.length)
        send.call(wire, other, 8, randomBytes(Math.min(16 * 1024, torrent.pieceLength - 8)))
      }
    }
  },
}

/** An adversarial seeder on a fresh loopback address (or `host`). */
export function adversary(
  swarm: Swarm,
  payload: Payload,
  behaviour: WireBehaviour,
  host?: string,
): Promise<Seeder> {
  return swarm.seeder(payload, { behaviour, ...(host ? { host } : {}) })
}

/**
 * A sybil: `identities` separate WebTorrent clients (each its own peer ID and port), all reached at
 * one loopback address, all behaving as `behaviour()` makes them.
 */
export async function sybil(
  swarm: Swarm,
  payload: Payload,
  options: { identities: number; behaviour: () => WireBehaviour; host?: string },
): Promise<Seeder[]> {
  const host = options.host ?? nextLoopbackAddress()
  const seeders: Seeder[] = []
  for (let i = 0; i < options.identities; i++) {
    seeders.push(await swarm.seeder(payload, { behaviour: options.behaviour(), host }))
  }
  return seeders
}

/** Corrupt data a leecher took in, per remote host. */
export interface CorruptionReport {
  /** False bytes in answers to outstanding requests (handed to WebTorrent's piece assembly). */
  acceptedCorruptBytes: Map<string, number>
  /** Bytes of blocks that answered no outstanding request (WebTorrent drops them). */
  unsolicitedBytes: Map<string, number>
  /** True bytes received per host. */
  goodBytes: Map<string, number>
}

/**
 * Watches every wire of a leecher's torrent and compares each received block with the payload.
 * Attach right after adding the torrent (before any wire exists).
 */
export function watchCorruption(torrent: Torrent, payload: Payload): CorruptionReport {
  const report: CorruptionReport = {
    acceptedCorruptBytes: new Map(),
    unsolicitedBytes: new Map(),
    goodBytes: new Map(),
  }
  const add = (map: Map<string, number>, host: string, bytes: number) =>
    map.set(host, (map.get(host) ?? 0) + bytes)
  torrent.on('wire', (wire: Wire) => {
    const host = wire.remoteAddress ?? 'unknown'
    const onPiece = wire._onPiece
    wire._onPiece = (index, offset, buffer) => {
      const solicited = wire.requests.some(
        (r) => r.piece === index && r.offset === offset && r.length === buffer.length,
      )
      const start = index * torrent.pieceLength + offset
      const truth = payload.bytes.subarray(start, start + buffer.length)
      if (!solicited) add(report.unsolicitedBytes, host, buffer.length)
      else if (Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length).equals(truth)) {
        add(report.goodBytes, host, buffer.length)
      } else add(report.acceptedCorruptBytes, host, buffer.length)
      onPiece.call(wire, index, offset, buffer)
    }
  })
  return report
}

/** Sum of a report map's values (all hosts). */
export function total(map: Map<string, number>): number {
  return [...map.values()].reduce((sum, value) => sum + value, 0)
}

/**
 * Open a BitTorrent connection to `port` on 127.0.0.1 from the loopback address `from` and send a
 * handshake for `infoHash`. 'accepted' if the remote handshakes back, 'refused' if it closes first.
 */
export async function dialFrom(
  from: string,
  port: number,
  infoHash: string,
): Promise<'accepted' | 'refused'> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from })
  const wire = new Wire()
  const stream = wire as unknown as Duplex
  socket.pipe(stream).pipe(socket)
  try {
    return await withTimeout(
      new Promise<'accepted' | 'refused'>((resolve) => {
        socket.once('connect', () => wire.handshake(infoHash, randomBytes(20).toString('hex')))
        wire.once('handshake', () => resolve('accepted'))
        socket.once('close', () => resolve('refused'))
        socket.once('error', () => resolve('refused'))
      }),
      10_000,
      `handshake from ${from}`,
    )
  } finally {
    socket.destroy()
  }
}

/** A WebTorrent leecher (no data yet) reachable on its own loopback address; Vouch dials it. */
export interface Leecher {
  client: WebTorrent
  torrent: Torrent
  host: string
  /** HOST:PORT */
  address: string
}

/** A leecher for `payload` whose wires get `behaviour` (none: an honest leecher). */
export async function leecher(
  swarm: Swarm,
  payload: Payload,
  options: { behaviour?: WireBehaviour; client?: Partial<ClientOptions> } = {},
): Promise<Leecher> {
  const client = new WebTorrent({ ...QUIET_CLIENT, torrentPort: 0, ...options.client })
  swarm.defer(() => stopClient(client))
  const dir = await swarm.tempDir('vouch-leecher-')
  const torrent = await withTimeout(
    new Promise<Torrent>((resolve) => client.add(payload.torrentFile, { path: dir }, resolve)),
    10_000,
    'leecher ready',
  )
  torrent.on('wire', (wire: Wire) => options.behaviour?.(wire, torrent))
  const host = nextLoopbackAddress()
  return { client, torrent, host, address: `${host}:${client.address()?.port ?? 0}` }
}

/**
 * A progress cheater: downloads honestly until it holds `fraction` of the torrent's bytes from a
 * connection, then tells that peer it has every piece (one `have` each) and keeps downloading.
 */
export function reportsCompleteAfter(fraction: number): WireBehaviour {
  return (wire, torrent) => {
    let received = 0
    let lied = false
    wire.on('download', (bytes: number) => {
      received += bytes
      if (lied || received < fraction * torrent.length) return
      lied = true
      for (let index = 0; index < torrent.pieces.length; index++) wire.have(index)
    })
  }
}

export interface MultiDialer {
  host: string
  /** Connections whose handshake the remote answered. */
  accepted: number
  /** Local ports used, one per connection. */
  ports: number[]
  /** Connections still open. */
  open(): number
  close(): void
}

/**
 * One host dialing in many times: `connections` BitTorrent connections from the loopback address
 * `host` to `port` on 127.0.0.1, each its own port and random peer ID, kept open until `close()`.
 */
export async function multiDial(
  port: number,
  infoHash: string,
  options: { connections: number; host: string },
): Promise<MultiDialer> {
  const sockets: net.Socket[] = []
  const dialer: MultiDialer = {
    host: options.host,
    accepted: 0,
    ports: [],
    open: () => sockets.filter((socket) => !socket.destroyed).length,
    close: () => sockets.forEach((socket) => socket.destroy()),
  }
  for (let i = 0; i < options.connections; i++) {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: options.host })
    sockets.push(socket)
    const wire = new Wire()
    socket.pipe(wire as unknown as Duplex).pipe(socket)
    socket.on('error', () => socket.destroy())
    await withTimeout(
      new Promise<void>((resolve) => {
        socket.once('connect', () => {
          dialer.ports.push(socket.localPort ?? 0)
          wire.handshake(infoHash, randomBytes(20).toString('hex'))
        })
        wire.once('handshake', () => {
          dialer.accepted++
          resolve()
        })
        socket.once('close', () => resolve())
      }),
      10_000,
      `connection ${i + 1} from ${options.host}`,
    )
  }
  return dialer
}
