/**
 * What each address has asked for and not received yet, per piece, how many live connections it
 * has and how many of those are unchoking us (willing to serve), kept per torrent so the request
 * steering answers its questions in O(1) instead of scanning every wire and every request on each
 * call of WebTorrent's picker (libtorrent keeps per-peer and per-piece state for the same reason).
 * The defence counts a request when it goes out on a wire and uncounts it when the wire calls the
 * request back (block, cancel, choke, timeout or close: bittorrent-protocol calls every request's
 * callback exactly once), and tracks each wire's choke and unchoke.
 */
export class InFlight {
  /** address → piece → requests out. */
  readonly #byAddress = new Map<string, Map<number, number>>()
  /**
   * piece → the addresses with requests out for it: changed only when an address's count for the
   * piece leaves or reaches 0, so a block asked or answered costs one count, not two.
   */
  readonly #byPiece = new Map<number, Set<string>>()
  /** address → open connections. */
  readonly #connections = new Map<string, number>()
  /** address → open connections that are unchoking us. */
  readonly #serving = new Map<string, number>()

  requested(address: string, piece: number): void {
    let pieces = this.#byAddress.get(address)
    if (!pieces) this.#byAddress.set(address, (pieces = new Map()))
    const count = pieces.get(piece) ?? 0
    pieces.set(piece, count + 1)
    if (count > 0) return
    const addresses = this.#byPiece.get(piece)
    if (addresses) addresses.add(address)
    else this.#byPiece.set(piece, new Set([address]))
  }

  answered(address: string, piece: number): void {
    const pieces = this.#byAddress.get(address)
    const count = pieces?.get(piece)
    if (pieces === undefined || count === undefined) return
    if (count > 1) {
      pieces.set(piece, count - 1)
      return
    }
    pieces.delete(piece)
    if (pieces.size === 0) this.#byAddress.delete(address)
    const addresses = this.#byPiece.get(piece)
    addresses?.delete(address)
    if (addresses?.size === 0) this.#byPiece.delete(piece)
  }

  connected(address: string): void {
    this.#connections.set(address, (this.#connections.get(address) ?? 0) + 1)
  }

  disconnected(address: string): void {
    const count = (this.#connections.get(address) ?? 1) - 1
    if (count > 0) this.#connections.set(address, count)
    else this.#connections.delete(address)
  }

  /** A connection of `address` unchoked us (it will answer requests). */
  unchoked(address: string): void {
    this.#serving.set(address, (this.#serving.get(address) ?? 0) + 1)
  }

  /** A connection of `address` that was unchoking us choked us or closed. */
  choked(address: string): void {
    const count = (this.#serving.get(address) ?? 1) - 1
    if (count > 0) this.#serving.set(address, count)
    else this.#serving.delete(address)
  }

  /** Whether an address other than `address` is unchoking us, so it could take over its requests. */
  othersServing(address: string): boolean {
    return othersThan(this.#serving, address)
  }

  /** The address unchoking us, when exactly one is. */
  loneServer(): string | undefined {
    return onlyKey(this.#serving)
  }

  isConnected(address: string): boolean {
    return this.#connections.has(address)
  }

  /** Whether a connection of `address` has a request out for `piece`. */
  has(address: string, piece: number): boolean {
    return this.#byPiece.get(piece)?.has(address) ?? false
  }

  /** The pieces `address` has requests out for. */
  piecesOf(address: string): Iterable<number> {
    return this.#byAddress.get(address)?.keys() ?? []
  }

  /** The piece `address` has requests out for, when there is exactly one. */
  onlyPiece(address: string): number | undefined {
    return onlyKey(this.#byAddress.get(address))
  }

  /** Whether `address` has requests out for a piece other than `piece`. */
  busyElsewhere(address: string, piece: number): boolean {
    return othersThan(this.#byAddress.get(address), piece)
  }

  /** Whether an address other than `address` has requests out for `piece`. */
  othersOn(piece: number, address: string): boolean {
    return othersThan(this.#byPiece.get(piece), address)
  }
}

function onlyKey<K>(counts: Map<K, number> | undefined): K | undefined {
  if (counts?.size !== 1) return undefined
  return counts.keys().next().value
}

function othersThan<K>(keys: Map<K, number> | Set<K> | undefined, key: K): boolean {
  return keys !== undefined && (keys.size > 1 || (keys.size === 1 && !keys.has(key)))
}
