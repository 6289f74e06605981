/**
 * Request steering: which connection may ask for which piece. WebTorrent picks pieces for a wire in
 * `torrent._request(wire, index, hotswap)`; every block request goes through it. The defence wraps
 * that one method with a veto (returning false there is WebTorrent's own "nothing to request from
 * this wire for this piece", so the picker simply moves on). Nothing else in WebTorrent changes.
 *
 * Three rules:
 * - Probation: a connection from an address that has not yet contributed to a verified piece may
 *   work on one piece at a time: no requests for another piece while it has requests out, or
 *   blocks received for a piece whose hash check is still pending. A poisoner that is bad from the
 *   start therefore spoils one piece, which fails with it as the sole contributor (proof, ban), or
 *   shares it with others, after which it may fetch nothing but that piece until the piece is
 *   resolved (it verifies from someone else, and the smart-ban comparison bans it).
 * - Re-requests after a failure: a failed piece is fetched again by one connection at a time (its
 *   "owner"), chosen best first — an address that was not among the failed piece's contributors,
 *   then one with verified contributions. If the new generation fails, it has a sole contributor
 *   (proof); if it verifies, the ledger compares the earlier generations against it (smart ban).
 * - Open pieces: a proven address may have at most `maxOpenPieces()` pieces open (requests out,
 *   blocks awaiting the hash check, or failed pieces it is a suspect of) while another address
 *   serves us, which bounds what a trusted peer that turns bad can spoil (docs/decisions.md, "The
 *   open-piece limit of a proven address").
 */
import type Wire from 'bittorrent-protocol'
import type { InFlight } from './in-flight.ts'
import type { BlockLedger } from './ledger.ts'

export interface SteeringContext {
  ledger: BlockLedger
  /** Requests out and connections per address, kept by the defence for this torrent. */
  inFlight: InFlight
  wires(): readonly Wire[]
  /** Address key of a wire, null when it has no address (web seeds). */
  addressOf(wire: Wire): string | null
  isBanned(address: string): boolean
  /** Verified pieces the address has contributed to (any torrent). */
  piecesGood(address: string): number
  probation: boolean
  /**
   * Pieces a proven address may have open at once (requests out or blocks awaiting the hash
   * check), so a trusted peer that turns bad spoils at most this many before its first failure.
   * The limit holds only while another address serves us (`inFlight.othersServing`): a lone
   * source's work could go nowhere else, so bounding it bounds no loss (docs/decisions.md).
   */
  maxOpenPieces(): number
  /**
   * How long after a failure the piece waits for a better-ranked connection before any connection
   * may fetch it (WebTorrent's speed ranking can keep a slow peer off a piece that a vetoed fast
   * one would have fetched; this bounds that stand-off).
   */
  preferenceWindowMs: number
  now(): number
}

export class RequestSteering {
  readonly #context: SteeringContext
  readonly #owners = new Map<number, Wire>()
  readonly #failedAt = new Map<number, number>()
  /** Pieces a connection on probation is assembling alone, so that a failure has one suspect. */
  readonly #claims = new Map<number, { address: string; since: number }>()

  constructor(context: SteeringContext) {
    this.#context = context
  }

  /** True when `wire` should not request blocks of `piece` now. */
  veto(wire: Wire, piece: number): boolean {
    const context = this.#context
    const address = context.addressOf(wire)
    if (address === null) return false
    if (context.isBanned(address)) return true
    const claim = this.#claims.get(piece)
    if (claim && claim.address !== address) {
      if (this.#claimHolds(claim, piece)) return true
      this.#claims.delete(piece)
    }
    if (context.probation && context.piecesGood(address) === 0) {
      if (context.inFlight.busyElsewhere(address, piece) || context.ledger.hasPendingFrom(address, piece))
        return true
      // Shared a failed piece and never proved itself: nothing new until that piece is resolved.
      if (context.ledger.isSuspect(address) && !context.ledger.suspects(piece).has(address)) return true
      if (!context.ledger.hasFailed(piece)) {
        // Its probation piece is its own: joining a piece others are assembling would spoil theirs.
        if (this.#othersOn(piece, address)) return true
        if (!claim || claim.address !== address) this.#claims.set(piece, { address, since: context.now() })
        return false
      }
    }
    if (context.inFlight.othersServing(address) && this.#atOpenPieceLimit(address, piece)) return true
    if (!context.ledger.hasFailed(piece)) return false
    const owner = this.#owners.get(piece)
    if (owner === wire) return false
    if (owner && !owner.destroyed && owner.requests.some((request) => request.piece === piece)) return true
    const failedAt = this.#failedAt.get(piece) ?? 0
    if (context.now() - failedAt < context.preferenceWindowMs) {
      const rank = this.#rank(wire, piece)
      const better = context
        .wires()
        .some((other) => other !== wire && this.#canServe(other, piece) && this.#rank(other, piece) > rank)
      if (better) return true
    }
    this.#owners.set(piece, wire)
    return false
  }

  /**
   * The one piece `wire` may request blocks of, when the probation rule already rules out every
   * other: its address, not yet proven, has requests out for that piece alone, or blocks of it
   * awaiting the hash check. Undefined when other pieces may be open to it. WebTorrent's picker
   * would otherwise offer such a wire every piece in turn, each vetoed, on every update.
   */
  pinnedPiece(wire: Wire): number | undefined {
    const context = this.#context
    const address = context.addressOf(wire)
    if (address === null || !context.probation || context.piecesGood(address) > 0) return undefined
    if (context.ledger.isSuspect(address)) return undefined
    return context.inFlight.onlyPiece(address) ?? context.ledger.onlyPendingPiece(address)
  }

  /**
   * The pieces `wire` may still request blocks of when its address is at its open-piece limit
   * (nothing else would pass the veto), or undefined when it may open others.
   */
  openPiecesAtLimit(wire: Wire): number[] | undefined {
    const address = this.#context.addressOf(wire)
    if (address === null || !this.#context.inFlight.othersServing(address)) return undefined
    const open = this.#openPieces(address)
    return open.size + this.#suspectedOnly(address, open) >= this.#context.maxOpenPieces()
      ? [...open]
      : undefined
  }

  /**
   * The pieces `address` has requests out for beyond its open-piece limit, to cancel now that
   * another address serves us (while it was the only one, no limit applied; alone, none are).
   * Pieces it has sent blocks of stay open (those blocks are in); of the others, the first asked
   * are kept.
   */
  overLimit(address: string): number[] {
    const context = this.#context
    if (!context.inFlight.othersServing(address)) return []
    const pending = context.ledger.pendingFrom(address)
    let room = context.maxOpenPieces() - pending.size - this.#suspectedOnly(address, pending)
    const excess: number[] = []
    for (const piece of context.inFlight.piecesOf(address)) {
      if (pending.has(piece)) continue
      if (room > 0) room--
      else excess.push(piece)
    }
    return excess
  }

  #openPieces(address: string): Set<number> {
    const open = new Set(this.#context.ledger.pendingFrom(address))
    for (const piece of this.#context.inFlight.piecesOf(address)) open.add(piece)
    return open
  }

  /**
   * Whether opening `piece` would take `address` past its limit of open pieces. A failed piece it
   * is a suspect of counts until the piece verifies: its blocks there are unverified still, and
   * without that a turncoat sharing each false piece with an honest peer (no sole contributor, so
   * no ban at the failure) could go on opening new ones.
   */
  #atOpenPieceLimit(address: string, piece: number): boolean {
    const context = this.#context
    const pending = context.ledger.pendingFrom(address)
    if (pending.has(piece) || context.inFlight.has(address, piece)) return false
    const suspected = context.ledger.suspectedPieces(address)
    let open = pending.size
    for (const other of suspected) if (!pending.has(other)) open++
    for (const other of context.inFlight.piecesOf(address))
      if (!pending.has(other) && !suspected.has(other)) open++
    return open >= context.maxOpenPieces()
  }

  /** Pieces counted against the open-piece limit of `address` that it may not request blocks of. */
  #suspectedOnly(address: string, open: ReadonlySet<number>): number {
    let count = 0
    for (const piece of this.#context.ledger.suspectedPieces(address)) if (!open.has(piece)) count++
    return count
  }

  /** The piece failed its hash: the next generation gets a new owner, best-ranked first. */
  failed(piece: number): void {
    this.#owners.delete(piece)
    this.#claims.delete(piece)
    this.#failedAt.set(piece, this.#context.now())
  }

  /** The piece verified (or was dropped): forget it. */
  release(piece: number): void {
    this.#owners.delete(piece)
    this.#claims.delete(piece)
    this.#failedAt.delete(piece)
  }

  /**
   * A claim keeps others off while its holder is still connected and working on the piece, for a
   * bounded time. A holder that disconnected mid-piece frees it at once: its blocks stay in the
   * ledger, so whoever completes the piece is compared with them if it fails.
   */
  #claimHolds(claim: { address: string; since: number }, piece: number): boolean {
    const context = this.#context
    if (context.now() - claim.since >= context.preferenceWindowMs || context.isBanned(claim.address))
      return false
    if (!context.inFlight.isConnected(claim.address)) return false
    return context.inFlight.has(claim.address, piece) || context.ledger.hasBlocksFrom(piece, claim.address)
  }

  /** Whether an address other than `address` is assembling `piece` (requests out or blocks in). */
  #othersOn(piece: number, address: string): boolean {
    const context = this.#context
    return context.ledger.hasBlocksFromOthers(piece, address) || context.inFlight.othersOn(piece, address)
  }

  #canServe(wire: Wire, piece: number): boolean {
    const address = this.#context.addressOf(wire)
    return (
      address !== null &&
      !wire.destroyed &&
      !wire.peerChoking &&
      wire.peerPieces.get(piece) &&
      !this.#context.isBanned(address)
    )
  }

  #rank(wire: Wire, piece: number): number {
    const address = this.#context.addressOf(wire)
    if (address === null) return -1
    const unsuspected = this.#context.ledger.suspects(piece).has(address) ? 0 : 2
    return unsuspected + (this.#context.piecesGood(address) > 0 ? 1 : 0)
  }
}
