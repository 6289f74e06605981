/**
 * The rules on live connections, attached to every torrent and wire as an engine plugin (it has
 * the EnginePlugin shape; src/rules does not import the engine). Each wire event costs O(1): a
 * `have` updates a counter, one bit and the torrent's availability count of that piece; a
 * `request` looks up one bit; an upload adds to one counter. Only a whole bitfield (a message of
 * pieces/8 bytes) and a connection's close walk the pieces, once each.
 *
 * False positives, and what stops each (docs/rules.md):
 * - late and lazy bitfields: what a peer claims within `graceMs` of connecting is its starting
 *   point, never progress;
 * - super-seeding and peers with other sources: progress counts as "ahead" only for a peer that
 *   is downloading from us, for a piece we never sent it that no other connected peer has;
 * - NAT and reverse proxies: rewinds compare the same peer ID only, the upload budget grows with
 *   the distinct peer IDs behind an address, and `multiDial.exempt` lists shared networks;
 * - dual-stack peers: IPv4 and IPv6 connections are counted in separate groups.
 *
 * What is counted of each torrent, address and wire, and the availability bookkeeping, is in
 * watch.ts; this module hooks the wire events and fires the rules.
 */
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import { addressKey } from '../defence/address.ts'
import type { BlockSender } from '../defence/ledger.ts'
import { RuleActions, type BanPath, type RuleEvents } from './actions.ts'
import { bitSet, hasBit, setBit } from './bits.ts'
import type { Rules } from './config.ts'
import {
  clientMatcher,
  judgeIdle,
  judgeMultiDial,
  judgeProgress,
  peerIdText,
  type ClientMatcher,
  type PeerObservation,
  type ProgressKind,
  type Verdict,
} from './judge.ts'
import { insideAny, networkOf, networkText, parseNetwork, type Network } from './network.ts'
import { shadowWire } from './shadow.ts'
import {
  absorbClaims,
  newAddressWatch,
  newTorrentWatch,
  observationOf,
  releaseWire,
  type AddressWatch,
  type TorrentWatch,
  type WireWatch,
} from './watch.ts'

export interface ObservationSink {
  /** Counters of one address on one torrent; `bytesUploaded` is the increase since the last record. */
  record(observation: PeerObservation): void
}

export interface RulesPluginOptions extends RuleEvents {
  rules: Rules
  /** The defence's ban path; null until the engine exists (the plugin is made before it). */
  banPath: () => BanPath | null
  observations?: ObservationSink
  now?: () => number
}

const SWEEP_MAX_MS = 30_000

function exemptNetworks(rules: Rules): Network[] {
  return rules.multiDial.exempt.map(parseNetwork).filter((network): network is Network => network !== null)
}
const MAX_ADDRESSES_PER_TORRENT = 50_000

export class RulesPlugin {
  readonly name = 'rules'
  #rules: Rules
  readonly #options: RulesPluginOptions
  readonly #now: () => number
  #actions: RuleActions
  #match: ClientMatcher
  #exempt: Network[]
  readonly #torrents = new Map<Torrent, TorrentWatch>()
  readonly #sweep: NodeJS.Timeout

  constructor(options: RulesPluginOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#rules = options.rules
    this.#actions = new RuleActions(options.rules, options.banPath, options, this.#now)
    this.#match = clientMatcher(options.rules)
    this.#exempt = exemptNetworks(options.rules)
    const every = Math.min(SWEEP_MAX_MS, Math.max(250, Math.floor(options.rules.idle.idleMs / 4)))
    this.#sweep = setInterval(() => this.sweep(), every)
    this.#sweep.unref()
  }

  get rules(): Rules {
    return this.#rules
  }

  /**
   * Apply edited rules: new events are judged by them at once (the sweep keeps its interval until
   * a restart); what was counted so far is kept, and a rule that already fired does not fire again.
   */
  reload(rules: Rules): void {
    this.#rules = rules
    this.#actions = new RuleActions(rules, this.#options.banPath, this.#options, this.#now)
    this.#match = clientMatcher(rules)
    this.#exempt = exemptNetworks(rules)
  }

  attachTorrent(torrent: Torrent): void {
    if (this.#torrents.has(torrent)) return
    torrent.once('close', () => {
      const watch = this.#torrents.get(torrent)
      if (watch) for (const wire of watch.wires) this.#record(watch, wire.watch)
      this.#torrents.delete(torrent)
    })
  }

  attachWire(wire: Wire, torrent: Torrent): void {
    const host = wire.remoteAddress
    if (host === undefined || wire.type === 'webSeed' || wire.destroyed) return
    const address = addressKey(host)
    if (this.#actions.isBanned(address)) return
    const peer: BlockSender = { address, host, port: wire.remotePort ?? 0, peerId: wire.peerId ?? null }
    if (peer.peerId && this.#client(peer, 'peerId', peerIdText(peer.peerId))) return
    wire.once('extended', () => {
      const name = (wire as unknown as { peerExtendedHandshake?: { v?: unknown } }).peerExtendedHandshake?.v
      if (name instanceof Uint8Array || typeof name === 'string')
        this.#client(peer, 'client', Buffer.from(name).toString('utf8'), torrent)
    })
    const start = () => this.#watchWire(wire, torrent, peer)
    if (torrent.pieces.length > 0) start()
    else torrent.once('ready', start)
  }

  /** Judge idle connections and write what open connections did so far. Runs on a timer. */
  sweep(): void {
    const now = this.#now()
    for (const watch of this.#torrents.values()) {
      for (const state of watch.wires) {
        this.#record(watch, state.watch)
        const wire = state.wire
        const canAsk = !wire.amChoking || !wire.peerInterested
        if (!watch.torrent.done || state.claimedCount >= watch.pieces || !canAsk) continue
        state.watch.idleMs = Math.max(state.watch.idleMs, now - Math.max(state.lastAsk, state.connectedAt))
        this.#judge(watch, state, judgeIdle(this.rules, observationOf(watch, state.watch)))
      }
    }
  }

  close(): void {
    clearInterval(this.#sweep)
    for (const watch of this.#torrents.values())
      for (const state of watch.wires) this.#record(watch, state.watch)
    this.#torrents.clear()
  }

  #client(peer: BlockSender, field: 'peerId' | 'client', value: string, torrent?: Torrent): boolean {
    const verdict = this.#match(field, value)
    if (!verdict) return false
    if (field === 'client') this.#torrentWatch(torrent)?.addresses.get(peer.address)?.clients.add(value)
    if (verdict.action === 'shadow') {
      const watch = this.#torrentWatch(torrent)
      watch?.shadowed.add(peer.address)
      if (watch)
        for (const state of watch.wires) if (state.peer.address === peer.address) shadowWire(state.wire)
    }
    this.#actions.apply(peer.address, verdict, peer)
    return verdict.action === 'ban'
  }

  #torrentWatch(torrent: Torrent | undefined): TorrentWatch | undefined {
    if (!torrent || torrent.pieces.length === 0) return undefined
    let watch = this.#torrents.get(torrent)
    if (!watch) {
      watch = newTorrentWatch(torrent)
      this.#torrents.set(torrent, watch)
    }
    return watch
  }

  #addressWatch(watch: TorrentWatch, address: string): AddressWatch {
    let entry = watch.addresses.get(address)
    if (!entry) {
      if (watch.addresses.size >= MAX_ADDRESSES_PER_TORRENT) this.#forgetClosed(watch)
      entry = newAddressWatch(address, watch.pieces, this.#now())
      watch.addresses.set(address, entry)
    }
    return entry
  }

  #watchWire(wire: Wire, torrent: Torrent, peer: BlockSender): void {
    if (wire.destroyed) return
    const watch = this.#torrentWatch(torrent)
    if (!watch) return
    const now = this.#now()
    const address = this.#addressWatch(watch, peer.address)
    if (peer.peerId) address.peerIds.add(peerIdText(peer.peerId))
    const state: WireWatch = {
      wire,
      peer,
      watch: address,
      group: null,
      connectedAt: now,
      claimed: bitSet(watch.pieces),
      claimedCount: 0,
      lastAsk: now,
    }
    watch.wires.add(state)
    this.#absorbBitfield(watch, state, false)
    if (watch.shadowed.has(peer.address)) shadowWire(wire)
    this.#countGroup(watch, state)
    wire.on('have', (index: number) => this.#onHave(watch, state, index))
    wire.on('bitfield', () => this.#absorbBitfield(watch, state, true))
    wire.on('have-all', () => this.#absorbBitfield(watch, state, true))
    wire.on('request', (index: number) => this.#onRequest(watch, state, index))
    const send = wire.piece
    wire.piece = (index, offset, buffer) => {
      if (watch.shadowed.has(peer.address)) return
      setBit(address.sent, index)
      address.bytesUploaded += buffer.length
      send.call(wire, index, offset, buffer)
      this.#progress(watch, state, 'over-download')
    }
    wire.once('close', () => this.#onClose(watch, state))
  }

  #countGroup(watch: TorrentWatch, state: WireWatch): void {
    const multiDial = this.rules.multiDial
    // Counted even when the rule is off, so a dry run can show what enabling it would do.
    if (insideAny(state.peer.host, this.#exempt)) return
    const network = networkOf(state.peer.host, multiDial.ipv4Prefix, multiDial.ipv6Prefix)
    if (!network) return
    const group = networkText(network)
    state.group = group
    let members = watch.groups.get(group)
    if (!members) watch.groups.set(group, (members = new Map()))
    members.set(state.peer.address, (members.get(state.peer.address) ?? 0) + 1)
    let total = 0
    let busiest = state.peer.address
    for (const [address, count] of members) {
      total += count
      if (count > (members.get(busiest) ?? 0)) busiest = address
    }
    const target = this.#addressWatch(watch, busiest)
    target.groupConnections = Math.max(target.groupConnections, total)
    const verdict = judgeMultiDial(this.rules, observationOf(watch, target), group)
    const peer =
      busiest === state.peer.address ? state.peer : { ...state.peer, address: busiest, host: busiest }
    if (verdict) this.#fire(watch, target, verdict, peer)
  }

  /** Count what the wire claims now (a bitfield, have-all, or what arrived before we attached). */
  #absorbBitfield(watch: TorrentWatch, state: WireWatch, message: boolean): void {
    const count = absorbClaims(watch, state)
    const key = `${state.peer.address} ${state.peer.peerId ?? ''}`
    const highest = watch.highest.get(key) ?? 0
    if (message && state.peer.peerId && highest - count > 0) {
      state.watch.rewindPieces = Math.max(state.watch.rewindPieces, highest - count)
      this.#progress(watch, state, 'progress-rewind')
    }
    if (count > highest) watch.highest.set(key, count)
  }

  #onHave(watch: TorrentWatch, state: WireWatch, index: number): void {
    if (index >= watch.pieces || !setBit(state.claimed, index)) return
    state.claimedCount++
    const others = watch.availability[index] ?? 0
    watch.availability[index] = others + 1
    const key = `${state.peer.address} ${state.peer.peerId ?? ''}`
    if (state.claimedCount > (watch.highest.get(key) ?? 0)) watch.highest.set(key, state.claimedCount)
    const now = this.#now()
    state.watch.lastSeen = now
    // Ahead only when we are its only source: it is downloading from us, we never sent it this
    // piece, and no other connected peer has it. Claims in the grace window are its starting point.
    if (now - state.connectedAt < this.rules.progress.graceMs || state.watch.requests === 0) return
    if (hasBit(state.watch.sent, index) || others > 0) return
    state.watch.aheadPieces++
    this.#progress(watch, state, 'progress-ahead')
  }

  #onRequest(watch: TorrentWatch, state: WireWatch, index: number): void {
    state.lastAsk = this.#now()
    state.watch.requests++
    if (index >= watch.pieces || !hasBit(state.claimed, index)) return
    const claimed = state.watch.claimedRequests
    if (claimed.size <= this.rules.progress.claimedRequests) claimed.add(index)
    this.#progress(watch, state, 'claims-then-requests')
  }

  #onClose(watch: TorrentWatch, state: WireWatch): void {
    releaseWire(watch, state)
    this.#record(watch, state.watch)
  }

  #progress(watch: TorrentWatch, state: WireWatch, kind: ProgressKind): void {
    if (state.watch.fired.has(kind)) return
    const verdict = judgeProgress(this.rules, kind, observationOf(watch, state.watch))
    if (verdict) this.#fire(watch, state.watch, verdict, state.peer)
  }

  #judge(watch: TorrentWatch, state: WireWatch, verdict: Verdict | null): void {
    if (verdict) this.#fire(watch, state.watch, verdict, state.peer)
  }

  #fire(watch: TorrentWatch, target: AddressWatch, verdict: Verdict, peer: BlockSender): void {
    if (target.fired.has(verdict.evidence.kind)) return
    target.fired.add(verdict.evidence.kind)
    this.#record(watch, target)
    if (verdict.action === 'shadow') {
      watch.shadowed.add(target.address)
      for (const state of watch.wires) if (state.peer.address === target.address) shadowWire(state.wire)
    }
    this.#actions.apply(target.address, verdict, peer)
  }

  #record(watch: TorrentWatch, entry: AddressWatch): void {
    const sink = this.#options.observations
    if (!sink) return
    const observation = observationOf(watch, entry)
    sink.record({ ...observation, bytesUploaded: entry.bytesUploaded - entry.bytesRecorded })
    entry.bytesRecorded = entry.bytesUploaded
  }

  /** Bound memory under a flood of addresses: drop those with no open connection. */
  #forgetClosed(watch: TorrentWatch): void {
    const open = new Set([...watch.wires].map((state) => state.peer.address))
    for (const [address, entry] of watch.addresses) {
      if (open.has(address)) continue
      this.#record(watch, entry)
      watch.addresses.delete(address)
    }
  }
}
