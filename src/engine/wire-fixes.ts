import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'

/**
 * WebTorrent unchokes a peer on its first `interested` message, but attaches that listener one
 * microtask after the `wire` event. When a peer's `interested` arrives in the same TCP segment as
 * its handshake, it is parsed before that listener exists (for incoming connections even before
 * the `wire` event), so the peer stays choked until a rechoke that may never pick it. Unchoke such
 * peers here, once WebTorrent's own handshake and bitfield have gone out.
 */
export function unchokeEarlyInterest(wire: Wire, torrent: Torrent): void {
  const unchoke = () => {
    if (!wire.destroyed && wire.peerInterested && wire.amChoking) wire.unchoke()
  }
  // A macrotask later: WebTorrent sends the bitfield from a microtask queued after the `wire`
  // event, and BEP 3 requires the bitfield to be the first message.
  const later = () => void setTimeout(unchoke, 0)
  const schedule = () => {
    if (torrent.ready) later()
    else torrent.once('ready', later)
  }
  if (wire.peerInterested) schedule()
  else wire.once('interested', schedule)
}
