/**
 * The block ledger: who sent which block of which piece, and a digest of it (libtorrent's smart-ban
 * idea). Pure bookkeeping, no WebTorrent and no I/O, so the attribution rules can be tested alone.
 *
 * Digests are taken lazily, as libtorrent's smart ban does: a block is recorded with a reference to
 * the bytes that arrived (no copy), and hashed only when its piece fails, when two copies of one
 * block differ, or when the bytes held pass `maxBufferedBytes` (then the oldest pieces' blocks are
 * hashed and their bytes released). A piece that verifies with every copy alike, which is nearly
 * every piece, is never hashed by the ledger at all.
 *
 * A piece's entries form generations. The current generation holds every block received since the
 * piece was last (re)started; when the piece fails its hash, the generation moves to the piece's
 * failed history; when the piece verifies, every recorded block — current and failed — is compared
 * with the verified data, and the entries are dropped.
 *
 * Why the rules are sound:
 * - The blocks WebTorrent assembled into a piece are a subset of the blocks that arrived while that
 *   generation was current. So if all of a failed generation's blocks came from one address, the
 *   bad data came from that address (`sole`).
 * - An honest peer only ever sends the true block. Once the piece verifies, the true block's digest
 *   is known; any recorded digest that differs was sent by a peer that sent false data, whether or
 *   not WebTorrent used that copy. Blocks with the true digest prove nothing against anyone.
 *
 * A held block and its lazy digest are in held-blocks.ts, the per-address piece indexes in
 * pieces-by-address.ts, the verdicts' shapes in ledger-verdicts.ts.
 */
import { ascending, LazyDigests, type HeldBlock } from './held-blocks.ts'
import type { FailureVerdict, VerificationVerdict } from './ledger-verdicts.ts'
import { PiecesByAddress } from './pieces-by-address.ts'

// Importable from here as before the split: the defence (being changed alongside) imports them so.
export { blockDigest } from './held-blocks.ts'
export type { Culprit, FailureVerdict, VerificationVerdict } from './ledger-verdicts.ts'

/** The peer a block came from. `address` is the address key (IPv4, or an IPv6 /64). */
export interface BlockSender {
  address: string
  host: string
  port: number
  peerId: string | null
}

export interface BlockEntry {
  sender: BlockSender
  offset: number
  length: number
  /** Hex SHA-256 of the block's bytes, when already known. */
  digest?: string
  /** The block's bytes, referenced (not copied) until they are hashed or the piece resolves. */
  data?: Uint8Array
  /** When the block arrived (ms since epoch), for the time from a bad block to its sender's ban. */
  receivedAt?: number
}

interface PieceEntries {
  current: HeldBlock[]
  /** Blocks of the current generation per sender address, so per-address questions are O(1). */
  currentBy: Map<string, number>
  /** Blocks of failed generations, always hashed. */
  failed: HeldBlock[]
  /** Addresses that contributed to a failed generation of this piece. */
  suspects: Set<string>
  /** Monotonic counter value of the last change, for eviction. */
  touched: number
  /** A source the ledger cannot name (a web seed) sent blocks of the current generation. */
  unattributed: boolean
}

export interface LedgerLimits {
  /** Pieces in progress tracked at once (each holds a few digests per block). */
  maxPieces: number
  /** Failed pieces whose evidence is kept until they verify. */
  maxFailedPieces: number
  /**
   * Block bytes held unhashed. Past it the oldest pieces' blocks are hashed and released, so the
   * evidence stays and only the laziness is lost. WebTorrent holds the same blocks of a piece in
   * progress anyway, so within the limit the ledger adds references, not copies.
   */
  maxBufferedBytes: number
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = {
  maxPieces: 4096,
  maxFailedPieces: 512,
  maxBufferedBytes: 64 * 1024 * 1024,
}

export interface LedgerOptions extends Partial<LedgerLimits> {
  /**
   * Evidence of a failed piece was evicted before the piece verified: its suspects can no longer be
   * cleared or proven by it.
   */
  onEvidenceLost?: (piece: number, suspects: string[]) => void
}

export class BlockLedger {
  readonly #pieces = new Map<number, PieceEntries>()
  /** Per address, the pieces whose current generation holds its blocks (the steering asks per call). */
  readonly #pendingBy = new PiecesByAddress()
  /** Per address, the failed pieces it is a suspect of (not verified since). */
  readonly #suspectOf = new PiecesByAddress()
  readonly #digests = new LazyDigests()
  readonly #limits: LedgerLimits
  readonly #onEvidenceLost: LedgerOptions['onEvidenceLost']
  #clock = 0
  #failedCount = 0

  constructor(options: LedgerOptions = {}) {
    const { onEvidenceLost, ...limits } = options
    this.#limits = { ...DEFAULT_LEDGER_LIMITS, ...limits }
    this.#onEvidenceLost = onEvidenceLost
  }

  /** Bytes of received blocks held unhashed. */
  get bufferedBytes(): number {
    return this.#digests.bufferedBytes
  }

  /** Pieces with entries (in progress or awaiting re-verification). */
  get size(): number {
    return this.#pieces.size
  }

  /** Blocks held in total, for memory checks. */
  get blocks(): number {
    let count = 0
    for (const entries of this.#pieces.values()) count += entries.current.length + entries.failed.length
    return count
  }

  record(piece: number, entry: BlockEntry): void {
    const data = entry.data ?? null
    const digest = entry.digest ?? null
    if (data === null && digest === null) throw new Error('a recorded block needs its bytes or its digest')
    const entries = this.#entries(piece)
    const address = entry.sender.address
    const sent = entries.currentBy.get(address) ?? 0
    entries.currentBy.set(address, sent + 1)
    if (sent === 0) this.#pendingBy.add(address, piece)
    const block: HeldBlock = {
      sender: entry.sender,
      offset: entry.offset,
      length: entry.length,
      digest,
      data: digest === null ? data : null,
      receivedAt: entry.receivedAt ?? null,
    }
    entries.current.push(block)
    this.#digests.hold(block)
    entries.touched = ++this.#clock
    if (this.#pieces.size > this.#limits.maxPieces) this.#evict(false)
    if (this.#digests.bufferedBytes > this.#limits.maxBufferedBytes) this.#hashOldest()
  }

  /**
   * A block of `piece` came from a source with no address (a web seed): the current generation can
   * no longer prove a sole contributor, since the bad block may have been that source's.
   */
  recordUnattributed(piece: number): void {
    this.#entries(piece).unattributed = true
  }

  #entries(piece: number): PieceEntries {
    let entries = this.#pieces.get(piece)
    if (!entries) {
      entries = {
        current: [],
        currentBy: new Map(),
        failed: [],
        suspects: new Set(),
        touched: 0,
        unattributed: false,
      }
      this.#pieces.set(piece, entries)
    }
    return entries
  }

  /** The piece failed its hash: close the current generation and say what it proves. */
  fail(piece: number): FailureVerdict {
    const entries = this.#pieces.get(piece)
    if (!entries) return { piece, contributors: [], sole: null }
    const generation = entries.current
    // WebTorrent discards the failed piece's bytes; the blocks held here are the only copy left.
    for (const entry of generation) this.#digests.hash(entry)
    const contributors = [...new Set(generation.map((entry) => entry.sender.address))]
    let sole: FailureVerdict['sole'] = null
    const first = generation[0]
    if (contributors.length === 1 && first && !entries.unattributed) {
      const bytes = new Map<number, number>()
      for (const entry of generation) bytes.set(entry.offset, entry.length)
      sole = {
        sender: first.sender,
        offset: first.offset,
        digest: this.#digests.hash(first),
        bytes: [...bytes.values()].reduce((sum, length) => sum + length, 0),
        firstReceivedAt: first.receivedAt,
      }
    }
    if (entries.failed.length === 0 && generation.length > 0) this.#failedCount++
    entries.failed.push(...generation)
    this.#closeGeneration(piece, entries)
    entries.unattributed = false
    for (const address of contributors) {
      if (entries.suspects.has(address)) continue
      entries.suspects.add(address)
      this.#suspectOf.add(address, piece)
    }
    entries.touched = ++this.#clock
    if (this.#failedCount > this.#limits.maxFailedPieces) this.#evict(true)
    return { piece, contributors, sole }
  }

  /** Addresses that contributed to a failed generation of `piece` and are not cleared yet. */
  suspects(piece: number): ReadonlySet<string> {
    return this.#pieces.get(piece)?.suspects ?? EMPTY
  }

  /** Whether `address` sent blocks of a piece other than `except` that has not verified or failed yet. */
  hasPendingFrom(address: string, except: number): boolean {
    const pending = this.#pendingBy.of(address)
    return pending.size > 1 || (pending.size === 1 && !pending.has(except))
  }

  /** Pieces whose current generation holds blocks from `address` (not verified or failed yet). */
  pendingFrom(address: string): ReadonlySet<number> {
    return this.#pendingBy.of(address)
  }

  /** The piece whose current generation holds blocks from `address`, when there is exactly one. */
  onlyPendingPiece(address: string): number | undefined {
    const pending = this.#pendingBy.of(address)
    return pending.size === 1 ? pending.values().next().value : undefined
  }

  /** Whether `address` sent blocks of the current generation of `piece`. */
  hasBlocksFrom(piece: number, address: string): boolean {
    return this.#pieces.get(piece)?.currentBy.has(address) ?? false
  }

  /** Whether an address other than `address` sent blocks of the current generation of `piece`. */
  hasBlocksFromOthers(piece: number, address: string): boolean {
    const senders = this.#pieces.get(piece)?.currentBy
    return senders !== undefined && (senders.size > 1 || (senders.size === 1 && !senders.has(address)))
  }

  /** Whether `address` is a suspect of a failed piece that has not verified since. */
  isSuspect(address: string): boolean {
    return this.#suspectOf.has(address)
  }

  /** The failed pieces `address` is a suspect of, until each verifies (or its evidence is lost). */
  suspectedPieces(address: string): ReadonlySet<number> {
    return this.#suspectOf.of(address)
  }

  hasFailed(piece: number): boolean {
    return (this.#pieces.get(piece)?.failed.length ?? 0) > 0
  }

  /**
   * Whether verifying `piece` needs the verified bytes: it failed before, or two different digests
   * were received for one block (one of them is false). Otherwise the received digests are the
   * true ones and nobody needs checking.
   */
  needsVerifiedData(piece: number): boolean {
    const entries = this.#pieces.get(piece)
    if (!entries) return false
    if (entries.failed.length > 0) return true
    if (ascending(entries.current)) return false
    const seen = new Map<number, HeldBlock>()
    for (const entry of entries.current) {
      const first = seen.get(entry.offset)
      if (first === undefined) seen.set(entry.offset, entry)
      else if (!this.#digests.same(first, entry)) return true
    }
    return false
  }

  /**
   * The piece verified. `trueDigest(offset, length)` gives the digest of the verified block; it may
   * be omitted when `needsVerifiedData` is false. Drops the piece's entries.
   */
  verify(piece: number, trueDigest?: (offset: number, length: number) => string): VerificationVerdict {
    if (!trueDigest && this.needsVerifiedData(piece)) {
      throw new Error(`piece ${piece} needs its verified data to judge its blocks`)
    }
    const entries = this.#pieces.get(piece)
    const verdict: VerificationVerdict = {
      piece,
      culprits: [],
      cleared: [],
      credit: new Map(),
      badBytes: new Map(),
    }
    if (!entries) return verdict
    const guilty = new Set<string>()
    // Without the verified data every copy of each block is alike (needsVerifiedData), so all are true.
    const judge = (entry: HeldBlock): boolean => {
      if (!trueDigest) return true
      const good = trueDigest(entry.offset, entry.length)
      const bad = this.#digests.hash(entry)
      if (bad === good) return true
      if (!guilty.has(entry.sender.address)) {
        guilty.add(entry.sender.address)
        verdict.culprits.push({
          sender: entry.sender,
          offset: entry.offset,
          length: entry.length,
          badDigest: bad,
          goodDigest: good,
          receivedAt: entry.receivedAt,
        })
      }
      addTo(verdict.badBytes, entry.sender.address, entry.length)
      return false
    }
    for (const entry of entries.failed) judge(entry)
    // Duplicates of one block (endgame, late arrivals) earn credit once per address and block.
    const credited = ascending(entries.current) ? null : new Set<string>()
    for (const entry of entries.current) {
      if (!judge(entry)) continue
      if (credited) {
        const key = `${entry.sender.address}\u0000${entry.offset}`
        if (credited.has(key)) continue
        credited.add(key)
      }
      addTo(verdict.credit, entry.sender.address, entry.length)
    }
    this.drop(piece)
    for (const address of guilty) verdict.credit.delete(address)
    verdict.cleared = [...entries.suspects].filter((address) => !guilty.has(address))
    return verdict
  }

  /**
   * Forget a piece (verified, deselected, or its torrent closed). Returns the suspects its evidence
   * held, which it can no longer clear or prove.
   */
  drop(piece: number): string[] {
    const entries = this.#pieces.get(piece)
    if (!entries) return []
    if (entries.failed.length > 0) this.#failedCount--
    for (const entry of entries.current) this.#digests.release(entry)
    this.#closeGeneration(piece, entries)
    for (const address of entries.suspects) this.#suspectOf.delete(address, piece)
    this.#pieces.delete(piece)
    return [...entries.suspects]
  }

  /** Empty the current generation of `piece` and its per-address indexes. */
  #closeGeneration(piece: number, entries: PieceEntries): void {
    for (const address of entries.currentBy.keys()) this.#pendingBy.delete(address, piece)
    entries.currentBy.clear()
    entries.current = []
  }

  /** Over the byte limit: hash the blocks of the longest-held pieces until back under half of it. */
  #hashOldest(): void {
    const target = this.#limits.maxBufferedBytes / 2
    for (const entries of this.#pieces.values()) {
      for (const entry of entries.current) {
        if (entry.data) this.#digests.hash(entry)
      }
      if (this.#digests.bufferedBytes <= target) return
    }
  }

  /** Evict the least recently touched piece of one kind (with or without failed history). */
  #evict(failed: boolean): void {
    let oldest: number | undefined
    let oldestTouched = Infinity
    for (const [piece, entries] of this.#pieces) {
      if (entries.failed.length > 0 !== failed) continue
      if (entries.touched < oldestTouched) {
        oldest = piece
        oldestTouched = entries.touched
      }
    }
    if (oldest === undefined) return
    const suspects = this.drop(oldest)
    if (suspects.length > 0) this.#onEvidenceLost?.(oldest, suspects)
  }
}

const EMPTY: ReadonlySet<string> = new Set()

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount)
}
