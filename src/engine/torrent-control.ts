/** Small operations on one WebTorrent torrent that the engine's pause, resume and add share. */
import type { Torrent } from 'webtorrent'
import { VouchError } from '../errors.ts'

const PEER_ADDRESS = /^(\[[0-9a-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/i

/** Validate HOST:PORT peer strings before they reach WebTorrent (which would throw or ignore them). */
export function parsePeerAddress(text: string): string {
  const match = PEER_ADDRESS.exec(text.trim())
  const port = match ? Number(match[2]) : 0
  if (!match || port < 1 || port > 65535) {
    throw new VouchError(
      'bad-input',
      `malformed peer address '${text}': expected HOST:PORT, e.g. 127.0.0.2:6881`,
    )
  }
  return `${match[1]}:${port}`
}

/** Dial `peers` (already validated), now or as soon as the torrent knows its infohash. */
export function addPeers(torrent: Torrent, peers: readonly string[]): void {
  if (peers.length === 0) return
  const add = () => {
    for (const peer of peers) torrent.addPeer(peer)
  }
  if (torrent.infoHash) add()
  else torrent.once('infoHash', add)
}

interface PeerTable {
  _peers?: Map<string, unknown>
}

/**
 * Close every connection and forget every queued address. WebTorrent's own `pause()` only stops
 * new outgoing dials (and refuses incoming ones): wires already open would go on sending and
 * fetching, so a pause that keeps them is not a pause.
 */
export function disconnectAll(torrent: Torrent): void {
  const peers = (torrent as unknown as PeerTable)._peers
  for (const id of [...(peers?.keys() ?? [])]) torrent.removePeer(id)
  for (const wire of [...torrent.wires]) wire.destroy()
}
