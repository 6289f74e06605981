/**
 * A shadow ban keeps the peer connected and never uploads to it: we choke it (which drops its
 * queued requests) and it is never unchoked again, whatever WebTorrent's choker decides. Blocks
 * it asks for anyway are dropped where live.ts wraps `wire.piece`.
 */
import type Wire from 'bittorrent-protocol'

const shadowed = new WeakSet<Wire>()

export function shadowWire(wire: Wire): void {
  if (shadowed.has(wire)) return
  shadowed.add(wire)
  wire.choke()
  wire.unchoke = () => undefined
}

export function isShadowed(wire: Wire): boolean {
  return shadowed.has(wire)
}
