/**
 * Closing UPnP / NAT-PMP without waiting for a router that never answers. WebTorrent's
 * client.destroy() awaits natTraversal.destroy(), which tries to unmap every mapped port and
 * then closes its sockets; with no gateway answering that took ~2.8 s on every `vouch get` exit
 * (NAT traversal is on by default). Here the unmapping is started as before but waited for at
 * most `boundMs`; after that it goes on in the background with its sockets unref'd, so it cannot
 * keep the process alive.
 */
import type WebTorrent from 'webtorrent'
import { waitAtMost } from './wait-at-most.ts'

/** Half a second is plenty for a router on the LAN to acknowledge an unmap. */
export const NAT_CLOSE_BOUND_MS = 500

/** What is unref'd when the bound passes: the NAT-PMP socket and the SSDP (UPnP) sockets. */
interface UnrefHandle {
  unref?: () => unknown
}

/** The parts of @silentbot1/nat-api's NatAPI used here (its fields are not typed publicly). */
export interface NatTraversalLike {
  destroy(): Promise<unknown>
  _pmpClient?: { socket?: UnrefHandle | null } | null
  _upnpClient?: { ssdp?: { sockets?: UnrefHandle[] } | null } | null
}

type WithNat = Pick<WebTorrent, 'destroy'> & { natTraversal?: NatTraversalLike | null }

/**
 * Take the client's NAT traversal so that client.destroy() no longer waits on it, start its
 * destroy (the unmapping attempt), and resolve when it has finished or `boundMs` passed,
 * whichever is first. Returns whether it finished in time.
 */
export async function closeNatTraversal(
  client: object,
  boundMs = NAT_CLOSE_BOUND_MS,
): Promise<'closed' | 'bounded' | 'none'> {
  const holder = client as WithNat
  const nat = holder.natTraversal
  if (!nat) return 'none'
  holder.natTraversal = null
  // Settled either way: already destroyed, or an unmap that threw, leaves nothing to wait for.
  const outcome = (await waitAtMost(nat.destroy(), boundMs)) === 'settled' ? 'closed' : 'bounded'
  if (outcome === 'bounded') {
    nat._pmpClient?.socket?.unref?.()
    for (const socket of nat._upnpClient?.ssdp?.sockets ?? []) socket.unref?.()
  }
  return outcome
}
