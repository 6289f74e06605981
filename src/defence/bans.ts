/**
 * Making and enforcing bans, for every reason the defence bans (src/defence/defence.ts decides
 * when): a ban goes into the ban store and the audit log, closes every open wire to the address in
 * every torrent and drops its queued peers (so WebTorrent does not redial them). `client.blocked`
 * becomes a view that consults the ban store (so expiry and persisted bans just work) on top of
 * whatever ip-set WebTorrent or a user blocklist puts there.
 */
import type WebTorrent from 'webtorrent'
import type { IpSet } from 'webtorrent'
import type { AuditSink } from '../audit.ts'
import { addressKey, addressOrdinal } from './address.ts'
import type { Ban, BanEvidence, BanReason, BanStore, RuleEvidence } from './ban-store.ts'
import type { BanEvent } from './events.ts'
import type { BlockSender } from './ledger.ts'
import { banExpiry, type DefencePolicy } from './policy.ts'
import { hostOf, type TorrentInternals } from './seams.ts'

export interface BanContext {
  evidence: BanEvidence | null
  infoHash: string | null
  peer: BlockSender | null
  note: string
  expiresAt?: number | null
  /** When the first bad block behind this ban arrived; null without block evidence. */
  firstBadBlockAt?: number | null
  rule?: RuleEvidence
}

export interface BanKeeperOptions {
  client: WebTorrent
  store: BanStore
  policy: DefencePolicy
  now: () => number
  audit?: AuditSink | undefined
  onBan?: ((event: BanEvent) => void) | undefined
  /** A new ban was made: the defence forgets the address's strikes. */
  onBanned(address: string): void
}

export class BanKeeper {
  readonly store: BanStore
  readonly #options: BanKeeperOptions
  /** Bans made or enforced by this engine (address key → expiry), for the request hot path. */
  readonly #sessionBans = new Map<string, number | null>()

  constructor(options: BanKeeperOptions) {
    this.#options = options
    this.store = options.store
    this.#installBlocklistView()
  }

  isBanned(address: string): boolean {
    return this.store.banFor(address, this.#options.now()) !== undefined
  }

  /**
   * Whether this engine made or enforced a ban on `address` that still holds: wires to a banned
   * address are destroyed at the ban, so the request path needs no store lookup.
   */
  bannedHere(address: string): boolean {
    if (!this.#sessionBans.has(address)) return false
    const expiresAt = this.#sessionBans.get(address)
    if (expiresAt === null || (expiresAt !== undefined && expiresAt > this.#options.now())) return true
    this.#sessionBans.delete(address)
    return false
  }

  /** Lift every ban on `address`. Returns how many were lifted. */
  lift(address: string): number {
    const key = addressKey(address)
    const lifted = this.store.lift(key)
    this.#sessionBans.delete(key)
    if (lifted > 0) this.#options.audit?.record({ type: 'ban.lifted', subject: key, details: { lifted } })
    return lifted
  }

  /** Ban `address` (an address key) and enforce it; an existing ban is enforced and returned. */
  make(address: string, reason: BanReason, context: BanContext): Ban {
    const now = this.#options.now()
    const existing = this.store.banFor(address, now)
    if (existing) {
      this.#sessionBans.set(address, existing.expiresAt)
      this.#enforce(address)
      return existing
    }
    const ban: Ban = {
      address,
      rangeEnd: null,
      reason,
      source: reason === 'manual' || reason === 'imported' ? reason : 'automatic',
      evidence: context.evidence,
      ...(context.rule ? { rule: context.rule } : {}),
      note: context.note,
      createdAt: now,
      expiresAt:
        context.expiresAt !== undefined
          ? context.expiresAt
          : banExpiry(reason, this.store.priorBans(address), now, this.#options.policy),
    }
    this.store.add(ban)
    this.#sessionBans.set(address, ban.expiresAt)
    this.#options.onBanned(address)
    const peer = context.peer && {
      host: context.peer.host,
      port: context.peer.port,
      peerId: context.peer.peerId,
    }
    this.#options.audit?.record({
      type: 'ban.created',
      subject: address,
      details: {
        reason,
        source: ban.source,
        evidence: ban.evidence,
        ...(ban.rule ? { rule: ban.rule } : {}),
        expiresAt: ban.expiresAt,
        peer,
      },
    })
    const connectionsClosed = this.#enforce(address)
    this.#options.onBan?.({
      address,
      reason,
      source: ban.source,
      evidence: ban.evidence,
      ...(ban.rule ? { rule: ban.rule } : {}),
      peer,
      note: ban.note,
      createdAt: ban.createdAt,
      expiresAt: ban.expiresAt,
      firstBadBlockAt: context.firstBadBlockAt ?? null,
      connectionsClosed,
    })
    return ban
  }

  /** Close every connection to `address` in every torrent and stop WebTorrent from redialling it. */
  #enforce(address: string): number {
    let closed = 0
    for (const torrent of this.#options.client.torrents) {
      if (torrent.destroyed) continue
      // Counted first: removing a connected peer destroys its wire too.
      const wires = torrent.wires.filter(
        (wire) => wire.remoteAddress !== undefined && addressKey(wire.remoteAddress) === address,
      )
      closed += wires.filter((wire) => !wire.destroyed).length
      const peers = (torrent as unknown as TorrentInternals)._peers
      for (const [id, peer] of peers ?? []) {
        const host = peer.addr ? hostOf(peer.addr) : peer.conn?.remoteAddress
        if (host !== undefined && addressKey(host) === address) torrent.removePeer(id)
      }
      for (const wire of wires) wire.destroy()
    }
    return closed
  }

  /**
   * Make `client.blocked` consult the ban store, keeping whatever ip-set is (or later gets) put
   * there, e.g. by WebTorrent's `blocklist` option.
   */
  #installBlocklistView(): void {
    let inner: IpSet | undefined = this.#options.client.blocked
    const ranges: [bigint, bigint][] = []
    const view: IpSet = {
      add: (start, end) => {
        if (inner) return inner.add(start, end)
        const first = addressOrdinal(start)
        const last = addressOrdinal(end ?? start)
        if (first !== null && last !== null) ranges.push([first, last])
      },
      contains: (host) => {
        if (this.isBanned(host) || inner?.contains(host)) return true
        const ordinal = ranges.length > 0 ? addressOrdinal(host) : null
        return ordinal !== null && ranges.some(([start, end]) => start <= ordinal && ordinal <= end)
      },
    }
    Object.defineProperty(this.#options.client, 'blocked', {
      configurable: true,
      enumerable: true,
      get: () => view,
      set: (value: IpSet | undefined) => {
        inner = value
      },
    })
  }
}
