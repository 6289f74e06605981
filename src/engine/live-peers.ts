/** The peers connected right now, by address key (IPv4, or IPv6 /64), over every torrent. */
import type { Torrent } from 'webtorrent'
import { addressKey } from '../defence/address.ts'
import { clientName } from './peer-client.ts'

export interface LivePeer {
  /** One name per distinct client seen at this address (a sybil may run several). */
  clients: string[]
  torrents: { infoHash: string; name: string }[]
  downloadSpeed: number
  uploadSpeed: number
  connections: number
}

const speed = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0)

export function livePeers(torrents: readonly Torrent[]): Map<string, LivePeer> {
  const peers = new Map<string, LivePeer>()
  for (const torrent of torrents) {
    for (const wire of torrent.wires) {
      if (wire.destroyed || !wire.remoteAddress) continue
      const key = addressKey(wire.remoteAddress)
      let peer = peers.get(key)
      if (!peer) {
        peer = { clients: [], torrents: [], downloadSpeed: 0, uploadSpeed: 0, connections: 0 }
        peers.set(key, peer)
      }
      const client = clientName(wire.peerIdBuffer, wire.extendedHandshake?.v)
      if (!peer.clients.includes(client)) peer.clients.push(client)
      if (!peer.torrents.some((t) => t.infoHash === torrent.infoHash)) {
        peer.torrents.push({ infoHash: torrent.infoHash, name: torrent.name ?? torrent.infoHash })
      }
      peer.downloadSpeed += speed(wire.downloadSpeed())
      peer.uploadSpeed += speed(wire.uploadSpeed())
      peer.connections++
    }
  }
  return peers
}
