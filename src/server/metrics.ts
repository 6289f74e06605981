/**
 * The Prometheus metrics of one Vouch instance, made with prom-client on a registry of their own.
 * Counters and histograms follow the engine's and the API's events as they happen; gauges are read
 * when Prometheus scrapes. Every metric is documented in docs/metrics.md (a test keeps the two in
 * step). Nothing here names an address or a torrent: labels are only small fixed sets of values.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { TORRENT_STATES, type EventMessage, type TorrentView } from '../api/contract.ts'
import type { ApiService } from '../api/service.ts'
import { addressKey } from '../defence/address.ts'
import type { Engine } from '../engine/engine.ts'
import type { ReputationStore } from '../reputation/store.ts'

export interface MetricsOptions {
  engine: Engine
  service: ApiService
  reputation: ReputationStore
  version: string
}

export interface VouchMetrics {
  registry: Registry
  /** The exposition text (what `GET /metrics` answers). */
  text(): Promise<string>
  close(): void
}

/** Seconds: detection on loopback takes milliseconds, over the Internet seconds to minutes. */
const TIME_TO_BAN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]
const TIME_TO_CONTAIN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** How often transfer totals are folded into the byte counters between scrapes. */
const TRANSFER_SAMPLE_MS = 1000

/** Open connections per address key; when the last one to a banned address closes, it is contained. */
class Containment {
  readonly #open = new Map<string, number>()
  /** Banned address key → when the ban was made (ms), until its last connection closes. */
  readonly #pending = new Map<string, number>()
  readonly #observe: (seconds: number) => void

  constructor(observe: (seconds: number) => void) {
    this.#observe = observe
  }

  get uncontained(): number {
    return this.#pending.size
  }

  connected(address: string): void {
    const key = addressKey(address)
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1)
  }

  disconnected(address: string, now: number): void {
    const key = addressKey(address)
    const left = (this.#open.get(key) ?? 0) - 1
    if (left > 0) {
      this.#open.set(key, left)
      return
    }
    this.#open.delete(key)
    const bannedAt = this.#pending.get(key)
    if (bannedAt === undefined) return
    this.#pending.delete(key)
    this.#observe(Math.max(0, now - bannedAt) / 1000)
  }

  banned(address: string, at: number): void {
    if ((this.#open.get(address) ?? 0) === 0) this.#observe(0)
    else this.#pending.set(address, at)
  }
}

/** Byte totals of the engine's torrents, folded into counters as they grow. */
class TransferTotals {
  readonly #seen = new WeakMap<object, { received: number; uploaded: number }>()
  readonly #engine: Engine
  readonly downloaded: Counter
  readonly uploaded: Counter

  constructor(engine: Engine, registers: Registry[]) {
    this.#engine = engine
    this.downloaded = new Counter({
      name: 'vouch_downloaded_bytes_total',
      help: 'Bytes received from peers, including bytes of pieces that later failed their hash.',
      registers,
      collect: () => this.sample(),
    })
    this.uploaded = new Counter({
      name: 'vouch_uploaded_bytes_total',
      help: 'Bytes sent to peers.',
      registers,
    })
  }

  sample(): void {
    for (const torrent of this.#engine.client.torrents) {
      const received = finite(torrent.received)
      const uploaded = finite(torrent.uploaded)
      let last = this.#seen.get(torrent)
      if (!last) {
        last = { received: 0, uploaded: 0 }
        this.#seen.set(torrent, last)
      }
      // Updated in place: a new object per torrent per second is garbage at 2 000 idle torrents.
      if (received > last.received) {
        this.downloaded.inc(received - last.received)
        last.received = received
      }
      if (uploaded > last.uploaded) {
        this.uploaded.inc(uploaded - last.uploaded)
        last.uploaded = uploaded
      }
    }
  }
}

function finite(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0
}

/** The provenance gate's audit entries, as decision and reason labels. */
function provenanceDecision(
  type: string,
  details: Record<string, unknown>,
): { decision: string; reason: string } | null {
  const reason = typeof details.reason === 'string' ? details.reason : 'unknown'
  if (type === 'provenance.accepted') return { decision: 'accepted', reason: 'signed' }
  if (type === 'provenance.refused') return { decision: 'refused', reason }
  if (type === 'provenance.override') return { decision: 'overridden', reason }
  return null
}

export function createMetrics(options: MetricsOptions): VouchMetrics {
  const { engine, service, reputation } = options
  const registry = new Registry()
  const registers = [registry]

  new Gauge({
    name: 'vouch_build_info',
    help: 'Always 1; the version label names the running Vouch.',
    labelNames: ['version'],
    registers,
  }).set({ version: options.version }, 1)

  new Gauge({
    name: 'vouch_torrents',
    help: 'Torrents in the engine, by state.',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = new Map<string, number>(TORRENT_STATES.map((state) => [state, 0]))
      const response = await service.dispatcher.dispatch({ command: 'torrents.list' })
      for (const { state } of response.ok ? (response.result as TorrentView[]) : []) {
        counts.set(state, (counts.get(state) ?? 0) + 1)
      }
      for (const [state, count] of counts) this.set({ state }, count)
    },
  })
  const transfers = new TransferTotals(engine, registers)
  new Gauge({
    name: 'vouch_peers',
    help: 'Open peer connections, over all torrents.',
    registers,
    collect() {
      this.set(engine.stats().reduce((sum, torrent) => sum + finite(torrent.numPeers), 0))
    },
  })
  new Gauge({
    name: 'vouch_dht_nodes',
    help: 'Nodes in the DHT routing table (0 with the DHT off).',
    registers,
    collect() {
      this.set(engine.dhtNodes())
    },
  })
  const hashFailures = new Counter({
    name: 'vouch_hash_failures_total',
    help: 'Pieces that failed their SHA-1 check.',
    registers,
  })
  const corruptBytes = new Counter({
    name: 'vouch_corrupt_bytes_total',
    help: 'Bytes of pieces that failed their hash check (the whole piece is thrown away).',
    registers,
  })
  const bans = new Counter({
    name: 'vouch_bans_total',
    help: 'Bans made, by reason and by source (automatic, manual, imported; one per imported range).',
    labelNames: ['reason', 'source'],
    registers,
  })
  const lifts = new Counter({
    name: 'vouch_ban_lifts_total',
    help: 'Bans lifted by the user.',
    registers,
  })
  new Gauge({
    name: 'vouch_bans_active',
    help: 'Bans in force now (unexpired, not lifted), ranges counted once each.',
    registers,
    collect() {
      this.set(reputation.activeBanCount())
    },
  })
  const decisions = new Counter({
    name: 'vouch_provenance_decisions_total',
    help: 'Decisions of the provenance gate: accepted (signed), refused by reason, overridden by reason.',
    labelNames: ['decision', 'reason'],
    registers,
  })
  const timeToBan = new Histogram({
    name: 'vouch_time_to_ban_seconds',
    help: "From a peer's first bad block to its ban (time to detect).",
    buckets: TIME_TO_BAN_BUCKETS,
    registers,
  })
  const timeToContain = new Histogram({
    name: 'vouch_time_to_contain_seconds',
    help: 'From a ban to the close of the last open connection to that address (time to contain).',
    buckets: TIME_TO_CONTAIN_BUCKETS,
    registers,
  })
  const containment = new Containment((seconds) => timeToContain.observe(seconds))
  new Gauge({
    name: 'vouch_bans_uncontained',
    help: 'Banned addresses that still have an open connection.',
    registers,
    collect() {
      this.set(containment.uncontained)
    },
  })

  const onServiceEvent = (message: EventMessage) => {
    if (message.event !== 'audit.recorded') return
    const { type, details } = message.payload
    if (type === 'ban.lifted') lifts.inc()
    const decision = provenanceDecision(type, details)
    if (decision) decisions.inc(decision)
  }
  const sampler = setInterval(() => transfers.sample(), TRANSFER_SAMPLE_MS)
  sampler.unref()
  const unsubscribe = [
    service.events.subscribe(onServiceEvent),
    reputation.onBansAdded((added) => {
      for (const ban of added) bans.inc({ reason: ban.reason, source: ban.source })
    }),
    engine.events.on('hash-failure', ({ bytes }) => {
      hashFailures.inc()
      corruptBytes.inc(bytes)
    }),
    engine.events.on('ban', (ban) => {
      if (ban.firstBadBlockAt !== null) {
        timeToBan.observe(Math.max(0, ban.createdAt - ban.firstBadBlockAt) / 1000)
      }
      containment.banned(ban.address, ban.createdAt)
    }),
    engine.events.on('peer-connected', ({ address }) => address && containment.connected(address)),
    engine.events.on('peer-disconnected', ({ address }) => {
      if (address) containment.disconnected(address, Date.now())
    }),
  ]
  // The labelled counters start at 0 for the values every instance has, so rate() works from the start.
  decisions.inc({ decision: 'accepted', reason: 'signed' }, 0)

  return {
    registry,
    text: () => registry.metrics(),
    close() {
      clearInterval(sampler)
      for (const stop of unsubscribe) stop()
    },
  }
}
