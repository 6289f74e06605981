/**
 * The poisoned-piece defence, attached to every torrent and wire as an engine plugin (it matches
 * the EnginePlugin shape structurally, so src/defence does not import the engine).
 *
 * It meets WebTorrent at the seams of seams.ts: every block a wire receives in answer to a request
 * asked on it is recorded in the torrent's ledger (which holds a reference to the bytes and hashes
 * them only if needed), a block nobody asked for counts towards an unsolicited ban, and the piece
 * picker consults steering.ts. A web seed's blocks only mark their piece as having a source the
 * ledger cannot name. Torrent `warning` ("Piece N failed verification") and `verified` drive
 * attribution. Bans are made and enforced by bans.ts; new incoming wires from a banned address
 * end at the `wire` event.
 */
import { createHash } from 'node:crypto'
import type Wire from 'bittorrent-protocol'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import type { AuditSink } from '../audit.ts'
import { addressKey } from './address.ts'
import type { Ban, BanReason, BanStore, RuleEvidence } from './ban-store.ts'
import type { BanEvent, CreditEvent, HashFailureEvent, PeerContribution } from './events.ts'
import { BanKeeper } from './bans.ts'
import { blockDigest, BlockLedger, type BlockSender, type LedgerLimits } from './ledger.ts'
import { InFlight } from './in-flight.ts'
import { MemoryBanStore } from './memory-ban-store.ts'
import { DecayingCounter, DEFAULT_POLICY, type DefencePolicy } from './policy.ts'
import { ProtocolDiscipline } from './protocol.ts'
import { refuseBannedDials, steerPicker, watchWire, type TorrentInternals, type WireState } from './seams.ts'
import { RequestSteering } from './steering.ts'

export interface DefenceOptions {
  client: WebTorrent
  /** Where bans go; the reputation store implements this for persistence. Default: in memory. */
  banStore?: BanStore
  audit?: AuditSink
  policy?: Partial<DefencePolicy>
  ledgerLimits?: Partial<LedgerLimits>
  onBan?: (event: BanEvent) => void
  onCredit?: (event: CreditEvent) => void
  /** A piece failed its hash check (whoever sent it). */
  onHashFailure?: (event: HashFailureEvent) => void
  onWarning?: (infoHash: string | null, message: string) => void
  now?: () => number
}

interface TorrentState {
  ledger: BlockLedger
  steering: RequestSteering
  inFlight: InFlight
}

const FAILED_PIECE = /^Piece (\d+) failed verification$/
/**
 * Unverified data one address may have open at once (1 MiB: 4 pieces of 256 KiB), so a peer that
 * turns bad after earning trust spoils at most this much before its first failed piece bans it.
 */
const MAX_UNVERIFIED_BYTES_PER_ADDRESS = 1024 * 1024

export class Defence {
  readonly name = 'defence'
  readonly policy: DefencePolicy
  readonly banStore: BanStore
  readonly #options: DefenceOptions
  readonly #now: () => number
  readonly #torrents = new Map<Torrent, TorrentState>()
  readonly #wires = new WeakMap<Wire, WireState>()
  readonly #contributions = new Map<string, PeerContribution>()
  readonly #bans: BanKeeper
  readonly #strikes: DecayingCounter
  readonly #unsolicited: DecayingCounter
  /** Bans and strikes for wire-protocol violations the engine's wire guard reports. */
  readonly protocol: ProtocolDiscipline
  /** When each address's first unsolicited block (since its last ban) arrived. */
  readonly #firstUnsolicitedAt = new Map<string, number>()

  constructor(options: DefenceOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.policy = { ...DEFAULT_POLICY, ...options.policy }
    this.#bans = new BanKeeper({
      client: options.client,
      store: options.banStore ?? new MemoryBanStore(),
      policy: this.policy,
      now: this.#now,
      audit: options.audit,
      onBan: options.onBan,
      onBanned: (address) => {
        this.#strikes.clear(address)
        this.#unsolicited.clear(address)
        this.#firstUnsolicitedAt.delete(address)
      },
    })
    this.banStore = this.#bans.store
    this.#strikes = new DecayingCounter(this.policy.strikeHalfLifeMs)
    this.#unsolicited = new DecayingCounter(this.policy.strikeHalfLifeMs)
    this.protocol = new ProtocolDiscipline({
      policy: this.policy,
      now: this.#now,
      isBanned: (address) => this.isBanned(address),
      ban: (address, reason, context) => void this.#bans.make(address, reason, context),
      warn: (infoHash, message) => this.#options.onWarning?.(infoHash, message),
    })
  }

  isBanned(address: string): boolean {
    return this.#bans.isBanned(address)
  }

  /** Ledger size over all torrents: pieces and blocks still held (in progress or awaiting re-verification). */
  ledgerSize(): { pieces: number; blocks: number } {
    let pieces = 0
    let blocks = 0
    for (const { ledger } of this.#torrents.values()) {
      pieces += ledger.size
      blocks += ledger.blocks
    }
    return { pieces, blocks }
  }

  /** Totals per address key since this engine started. */
  contributions(): PeerContribution[] {
    return [...this.#contributions.values()].map((entry) => ({ ...entry }))
  }

  contribution(address: string): PeerContribution | undefined {
    const entry = this.#contributions.get(addressKey(address))
    return entry && { ...entry }
  }

  /**
   * Ban by hand, from an import, or for a rule (src/rules, which passes its evidence and the
   * connection that showed it): enforced exactly like an automatic ban.
   */
  ban(
    address: string,
    options: {
      reason?: BanReason
      note?: string
      expiresAt?: number | null
      rule?: RuleEvidence
      peer?: BlockSender
    } = {},
  ): Ban {
    const reason = options.reason ?? 'manual'
    return this.#bans.make(addressKey(address), reason, {
      evidence: null,
      infoHash: options.rule?.infoHash ?? null,
      peer: options.peer ?? null,
      note: options.note ?? '',
      ...(options.rule ? { rule: options.rule } : {}),
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    })
  }

  /** Lift every ban on `address`. Returns how many were lifted. */
  lift(address: string): number {
    return this.#bans.lift(address)
  }

  attachTorrent(torrent: Torrent): void {
    if (this.#torrents.has(torrent)) return
    const ledger = new BlockLedger({
      ...this.#options.ledgerLimits,
      onEvidenceLost: (piece, suspects) => this.#strike(torrent, piece, suspects),
    })
    const inFlight = new InFlight()
    const steering = new RequestSteering({
      ledger,
      inFlight,
      wires: () => torrent.wires,
      addressOf: (wire) => this.#wires.get(wire)?.sender.address ?? null,
      // The hot path: wires to a banned address are destroyed at the ban, so the steering only
      // needs the bans made in this session, not a store lookup per block request.
      isBanned: (address) => this.#bans.bannedHere(address),
      piecesGood: (address) => this.#contributions.get(address)?.piecesGood ?? 0,
      probation: this.policy.probation,
      maxOpenPieces: () =>
        Math.max(1, Math.floor(MAX_UNVERIFIED_BYTES_PER_ADDRESS / (torrent.pieceLength || 1))),
      preferenceWindowMs: 2000,
      now: this.#now,
    })
    this.#torrents.set(torrent, { ledger, steering, inFlight })
    steerPicker(torrent, steering)
    refuseBannedDials(torrent, (host) => this.isBanned(host))
    torrent.on('warning', (error: Error) => {
      const match = FAILED_PIECE.exec(error?.message ?? '')
      if (match) this.#onFailed(torrent, Number(match[1]))
    })
    torrent.on('verified', (index: number) => this.#onVerified(torrent, index))
    torrent.once('close', () => this.#torrents.delete(torrent))
  }

  attachWire(wire: Wire, torrent: Torrent): void {
    const host = wire.remoteAddress
    if (host === undefined || wire.type === 'webSeed') {
      this.#attachUnattributed(wire, torrent)
      return
    }
    const address = addressKey(host)
    // The raw host, not the key: imported range bans compare addresses.
    if (this.isBanned(host)) {
      // WebTorrent checks its blocklist only when it dials; incoming connections end here.
      wire.destroy()
      return
    }
    const state: WireState = {
      sender: { address, host, port: wire.remotePort ?? 0, peerId: wire.peerId ?? null },
      asked: new Map(),
    }
    this.#wires.set(wire, state)
    const attached = this.#torrents.get(torrent)
    watchWire({
      wire,
      torrent,
      state,
      inFlight: attached?.inFlight,
      steering: attached?.steering,
      onSolicited: (piece, offset, buffer) => this.#onBlock(torrent, state, piece, offset, buffer),
      onUnsolicited: (piece, offset, buffer) => this.#onUnsolicited(torrent, state, piece, offset, buffer),
    })
  }

  /**
   * A web seed (or any wire without an address) has no address to blame or ban, but its blocks
   * still go into pieces: mark them, so a failure is never pinned on the peer that shared it.
   */
  #attachUnattributed(wire: Wire, torrent: Torrent): void {
    const onPiece = wire._onPiece
    wire._onPiece = (index, offset, buffer) => {
      const bitfield = torrent.bitfield as Torrent['bitfield'] | null | undefined
      if (bitfield && !bitfield.get(index)) this.#torrents.get(torrent)?.ledger.recordUnattributed(index)
      onPiece.call(wire, index, offset, buffer)
    }
  }

  close(): void {
    this.#torrents.clear()
  }

  /** A block that answers a request asked on its wire. */
  #onBlock(torrent: Torrent, state: WireState, piece: number, offset: number, buffer: Uint8Array) {
    // Recorded from the moment blocks can be requested (WebTorrent holds blocks that arrive before
    // `ready` and uses them after): recording a block too many is harmless, one too few is not.
    const bitfield = torrent.bitfield as Torrent['bitfield'] | null | undefined
    if (!bitfield || bitfield.get(piece)) return
    // The ledger keeps a reference and hashes only if the piece fails or copies disagree.
    this.#torrents.get(torrent)?.ledger.record(piece, {
      sender: state.sender,
      offset,
      length: buffer.length,
      data: buffer,
      receivedAt: this.#now(),
    })
  }

  #onUnsolicited(torrent: Torrent, state: WireState, piece: number, offset: number, buffer: Uint8Array) {
    const address = state.sender.address
    const contribution = this.#contribution(address)
    contribution.unsolicitedBlocks++
    const now = this.#now()
    if (!this.#firstUnsolicitedAt.has(address)) this.#firstUnsolicitedAt.set(address, now)
    const count = this.#unsolicited.add(address, 1, now)
    if (count < this.policy.unsolicitedThreshold || this.isBanned(address)) return
    this.#bans.make(address, 'unsolicited', {
      evidence: {
        infoHash: torrent.infoHash,
        piece,
        offset,
        badDigest: blockDigest(buffer),
        goodDigest: null,
      },
      infoHash: torrent.infoHash,
      peer: state.sender,
      note: `${contribution.unsolicitedBlocks} blocks that were never requested`,
      firstBadBlockAt: this.#firstUnsolicitedAt.get(address) ?? now,
    })
  }

  #onFailed(torrent: Torrent, piece: number): void {
    const state = this.#torrents.get(torrent)
    if (!state) return
    const verdict = state.ledger.fail(piece)
    state.steering.failed(piece)
    this.#options.onHashFailure?.({
      infoHash: torrent.infoHash,
      piece,
      bytes: piece === torrent.pieces.length - 1 ? torrent.lastPieceLength : torrent.pieceLength,
      contributors: verdict.contributors,
    })
    if (verdict.sole) {
      const { sender, offset, digest: badDigest, bytes, firstReceivedAt } = verdict.sole
      const contribution = this.#contribution(sender.address)
      contribution.piecesBad++
      contribution.bytesBad += bytes
      this.#bans.make(sender.address, 'sole-contributor', {
        evidence: { infoHash: torrent.infoHash, piece, offset, badDigest, goodDigest: null },
        infoHash: torrent.infoHash,
        peer: sender,
        note: `sent every block of piece ${piece}, which failed its hash`,
        firstBadBlockAt: firstReceivedAt,
      })
      return
    }
    // Several contributors: nobody is struck yet. The piece will be fetched again, and when it
    // verifies the comparison proves the culprit and clears everyone else. Striking now would let a
    // burst of failures (a trusted peer turning bad across many pieces in flight) ban the honest
    // peers that shared them before any of them could be cleared.
  }

  /**
   * Evidence of a failed piece was lost before the piece verified (evicted, or unreadable): its
   * suspects can no longer be cleared or proven by it, so each takes a decaying strike.
   */
  #strike(torrent: Torrent, piece: number, suspects: string[]): void {
    const now = this.#now()
    for (const address of suspects) {
      const strikes = this.#strikes.add(address, 1, now)
      if (strikes >= this.policy.strikeThreshold && !this.isBanned(address)) {
        this.#bans.make(address, 'strikes', {
          evidence: null,
          infoHash: torrent.infoHash,
          peer: null,
          note: `shared ${Math.round(strikes)} failed pieces (last: ${piece}) whose evidence was lost before they verified`,
        })
      }
    }
  }

  #onVerified(torrent: Torrent, piece: number): void {
    const state = this.#torrents.get(torrent)
    if (!state) return
    state.steering.release(piece)
    if (!state.ledger.needsVerifiedData(piece)) {
      this.#judge(torrent, state.ledger, piece)
      return
    }
    const store = (torrent as unknown as TorrentInternals).store
    store?.get(piece, (error, data) => {
      if (error || !data || torrent.destroyed) {
        const suspects = state.ledger.drop(piece)
        if (!torrent.destroyed) this.#strike(torrent, piece, suspects)
        return
      }
      // Judge against bytes that hash-verify now, not against whatever the store returned.
      const expected = torrent._hashes[piece]
      if (createHash('sha1').update(data).digest('hex') !== expected) {
        this.#strike(torrent, piece, state.ledger.drop(piece))
        this.#options.onWarning?.(torrent.infoHash, `piece ${piece} read back from the store did not verify`)
        return
      }
      this.#judge(torrent, state.ledger, piece, (offset, length) =>
        blockDigest(data.subarray(offset, offset + length)),
      )
    })
  }

  #judge(
    torrent: Torrent,
    ledger: BlockLedger,
    piece: number,
    trueDigest?: (offset: number, length: number) => string,
  ): void {
    const verdict = ledger.verify(piece, trueDigest)
    for (const culprit of verdict.culprits) {
      const contribution = this.#contribution(culprit.sender.address)
      contribution.piecesBad++
      contribution.bytesBad += verdict.badBytes.get(culprit.sender.address) ?? 0
      this.#bans.make(culprit.sender.address, 'poisoned-block', {
        evidence: {
          infoHash: torrent.infoHash,
          piece,
          offset: culprit.offset,
          badDigest: culprit.badDigest,
          goodDigest: culprit.goodDigest,
        },
        infoHash: torrent.infoHash,
        peer: culprit.sender,
        note: `block at offset ${culprit.offset} of piece ${piece} differed from the verified piece`,
        firstBadBlockAt: culprit.receivedAt,
      })
    }
    for (const [address, bytes] of verdict.credit) {
      const contribution = this.#contribution(address)
      contribution.bytesGood += bytes
      contribution.piecesGood++
      this.#options.onCredit?.({ infoHash: torrent.infoHash, address, piece, bytes })
    }
  }

  #contribution(address: string): PeerContribution {
    let entry = this.#contributions.get(address)
    if (!entry) {
      entry = { address, bytesGood: 0, bytesBad: 0, piecesGood: 0, piecesBad: 0, unsolicitedBlocks: 0 }
      this.#contributions.set(address, entry)
    }
    return entry
  }
}
