/**
 * What the live rules count of each torrent, address and wire (live.ts judges it): the records,
 * how a new one starts, the torrent's per-piece availability as wires claim pieces and close,
 * and the PeerObservation the judges read. Apart from live.ts so that the plugin reads as the
 * wire events it hooks and the rules it fires, and the bookkeeping under them can be read alone.
 */
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import type { BlockSender } from '../defence/ledger.ts'
import { bitSet, hasBit, setBit } from './bits.ts'
import type { PeerObservation } from './judge.ts'

/** What is tracked of one address on one torrent; becomes a PeerObservation. */
export interface AddressWatch {
  address: string
  peerIds: Set<string>
  clients: Set<string>
  /** Pieces we sent any block of, to any of its connections. */
  sent: Uint8Array
  bytesUploaded: number
  bytesRecorded: number
  requests: number
  aheadPieces: number
  claimedRequests: Set<number>
  rewindPieces: number
  groupConnections: number
  idleMs: number
  firstSeen: number
  lastSeen: number
  /** Rule kinds that already fired for this address here: each fires once. */
  fired: Set<string>
}

export interface WireWatch {
  wire: Wire
  peer: BlockSender
  watch: AddressWatch
  group: string | null
  connectedAt: number
  /** What it claims, as counted into the torrent's availability. */
  claimed: Uint8Array
  claimedCount: number
  lastAsk: number
}

export interface TorrentWatch {
  torrent: Torrent
  pieces: number
  /** Connected peers claiming each piece. */
  availability: Uint16Array
  addresses: Map<string, AddressWatch>
  /** Open connections per group, and per address within it. */
  groups: Map<string, Map<string, number>>
  /** Highest claim per `address peerId`, across reconnections. */
  highest: Map<string, number>
  wires: Set<WireWatch>
  shadowed: Set<string>
}

export function newTorrentWatch(torrent: Torrent): TorrentWatch {
  return {
    torrent,
    pieces: torrent.pieces.length,
    availability: new Uint16Array(torrent.pieces.length),
    addresses: new Map(),
    groups: new Map(),
    highest: new Map(),
    wires: new Set(),
    shadowed: new Set(),
  }
}

export function newAddressWatch(address: string, pieces: number, now: number): AddressWatch {
  return {
    address,
    peerIds: new Set(),
    clients: new Set(),
    sent: bitSet(pieces),
    bytesUploaded: 0,
    bytesRecorded: 0,
    requests: 0,
    aheadPieces: 0,
    claimedRequests: new Set(),
    rewindPieces: 0,
    groupConnections: 0,
    idleMs: 0,
    firstSeen: now,
    lastSeen: now,
    fired: new Set(),
  }
}

/**
 * Count what the wire claims now into its bits and the torrent's availability (a bitfield,
 * have-all, or what arrived before we attached); returns how many pieces it claims.
 */
export function absorbClaims(watch: TorrentWatch, state: WireWatch): number {
  const claims = state.wire.peerPieces
  let count = 0
  for (let index = 0; index < watch.pieces; index++) {
    const now = claims.get(index)
    const before = hasBit(state.claimed, index)
    if (now) count++
    if (now === before) continue
    if (now) {
      setBit(state.claimed, index)
      watch.availability[index] = (watch.availability[index] ?? 0) + 1
    } else {
      state.claimed[index >> 3] = (state.claimed[index >> 3] ?? 0) & ~(0x80 >> (index & 7))
      watch.availability[index] = Math.max(0, (watch.availability[index] ?? 0) - 1)
    }
  }
  state.claimedCount = count
  return count
}

/** A wire closed: its claims leave the availability count and it leaves its group. */
export function releaseWire(watch: TorrentWatch, state: WireWatch): void {
  watch.wires.delete(state)
  for (let index = 0; index < watch.pieces; index++) {
    if (hasBit(state.claimed, index))
      watch.availability[index] = Math.max(0, (watch.availability[index] ?? 0) - 1)
  }
  if (state.group !== null) {
    const members = watch.groups.get(state.group)
    const count = (members?.get(state.peer.address) ?? 1) - 1
    if (count > 0) members?.set(state.peer.address, count)
    else members?.delete(state.peer.address)
    if (members?.size === 0) watch.groups.delete(state.group)
  }
}

export function observationOf(watch: TorrentWatch, entry: AddressWatch): PeerObservation {
  return {
    address: entry.address,
    infoHash: watch.torrent.infoHash,
    peerIds: [...entry.peerIds],
    clients: [...entry.clients],
    torrentLength: watch.torrent.length,
    pieceLength: watch.torrent.pieceLength,
    bytesUploaded: entry.bytesUploaded,
    distinctPeerIds: entry.peerIds.size,
    requests: entry.requests,
    aheadPieces: entry.aheadPieces,
    claimedRequests: entry.claimedRequests.size,
    rewindPieces: entry.rewindPieces,
    groupConnections: entry.groupConnections,
    idleMs: entry.idleMs,
    firstSeen: entry.firstSeen,
    lastSeen: entry.lastSeen,
  }
}
