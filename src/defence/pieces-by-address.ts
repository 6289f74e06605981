/**
 * An index from an address to a set of piece indexes, emptied sets removed: the ledger keeps two
 * (the pieces an address has blocks pending in, the failed pieces it is a suspect of) so that the
 * steering's per-call questions about one address cost O(1) instead of a walk over every piece.
 */
const NO_PIECES: ReadonlySet<number> = new Set()

export class PiecesByAddress {
  readonly #pieces = new Map<string, Set<number>>()

  add(address: string, piece: number): void {
    let pieces = this.#pieces.get(address)
    if (!pieces) this.#pieces.set(address, (pieces = new Set()))
    pieces.add(piece)
  }

  delete(address: string, piece: number): void {
    const pieces = this.#pieces.get(address)
    pieces?.delete(piece)
    if (pieces?.size === 0) this.#pieces.delete(address)
  }

  /** The pieces of `address`; never an empty set kept alive, so `has` is `size > 0`. */
  of(address: string): ReadonlySet<number> {
    return this.#pieces.get(address) ?? NO_PIECES
  }

  has(address: string): boolean {
    return this.#pieces.has(address)
  }
}
