/**
 * The feed work a long-running Vouch does (`serve`, `seed`): poll every followed feed, start (or
 * announce) each new release the rules accept, audit what they refuse, and re-put every item it
 * publishes or follows once an hour so feeds outlive their publisher going offline (BEP 44 items
 * may expire after 2 hours; BEP 46 asks followers to re-put too). Every lookup and put is bounded.
 */
import type { AuditEvent, AuditSink } from '../audit.ts'
import { magnetWithEnvelopes } from '../provenance/carriers.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import { lookupItems, putItem, type Dht } from './dht.ts'
import { addressOf, itemOf, storeItem, type FeedStore, type FollowedFeed } from './feed-store.ts'
import { isStale, judgeAnswers, valueSha256 } from './follow-policy.ts'
import { checkRelease } from './release-check.ts'

export interface ReleaseToStart {
  feedId: string
  feedName: string
  seq: number
  infoHash: string
  /** A magnet carrying the release's envelopes, so the gate judges them before any connection. */
  magnet: string
  outDir: string | null
}

export interface FeedDaemonOptions {
  /** The DHT node, or how to get the engine's current one (null while the DHT is off). */
  dht: Dht | (() => Dht | null)
  feeds: FeedStore
  trust: TrustStore
  audit?: AuditSink | undefined
  /** Follow feeds (serve); false only keeps published items alive (seed). */
  follow: boolean
  /** Hand an accepted release to the engine. */
  startRelease?: (release: ReleaseToStart) => Promise<void>
  /** Default 10 minutes. */
  pollIntervalMs?: number
  /** Default 1 hour (BEP 44). */
  republishIntervalMs?: number
  now?: () => number
  /** Something in feeds.json changed (for the API's event). */
  onChange?: () => void
  onError?: (message: string) => void
}

/** A followed feed's `lastError` while the DHT is switched off. */
export const DHT_OFF_ERROR = 'the DHT is off, so this feed cannot be polled'

export const DEFAULT_POLL_INTERVAL_MS = 10 * 60 * 1000
export const REPUBLISH_INTERVAL_MS = 60 * 60 * 1000

export class FeedDaemon {
  readonly #options: FeedDaemonOptions
  readonly #now: () => number
  readonly #audited = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> = Promise.resolve()
  #closed = false
  /** When the next round starts, ms since 1970; null while stopped. */
  nextPollAt: number | null = null
  /** DHT nodes asked by lookups so far (the polling cost). */
  nodesAsked = 0
  lookups = 0

  constructor(options: FeedDaemonOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** The DHT to use now; null while it is switched off. */
  get dht(): Dht | null {
    const dht = this.#options.dht
    return typeof dht === 'function' ? dht() : dht
  }

  get pollIntervalMs(): number {
    return this.#options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  }

  /** Run a round now and then every poll interval. */
  start(): void {
    this.#schedule(0)
  }

  /** Run a round now (after the one under way, if any), e.g. when the DHT is switched on. */
  pollSoon(): void {
    this.#schedule(0)
  }

  /** One timer at a time; rounds run one after another. */
  #schedule(delay: number): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.nextPollAt = this.#now() + delay
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#running = this.#running
        .then(() => this.round())
        .finally(() => {
          if (this.#timer === undefined) this.#schedule(this.pollIntervalMs)
        })
    }, delay)
    this.#timer.unref()
  }

  /** One round: every followed feed polled, every kept item re-put when due. Never throws. */
  async round(): Promise<void> {
    try {
      const file = await this.#options.feeds.load()
      if (this.#options.follow) for (const id of Object.keys(file.followed)) await this.pollFeed(id)
      await this.#republishPublished()
    } catch (error) {
      this.#options.onError?.(`feeds: ${(error as Error).message}`)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.nextPollAt = null
    await this.#running
  }

  #audit(event: AuditEvent, once?: string): void {
    if (once !== undefined) {
      if (this.#audited.has(once)) return
      this.#audited.add(once)
    }
    this.#options.audit?.record(event)
  }

  async #patch(id: string, change: (feed: FollowedFeed) => void): Promise<FollowedFeed | null> {
    const updated = await this.#options.feeds.update((file) => {
      const feed = file.followed[id]
      if (feed) change(feed)
      return feed ?? null
    })
    this.#options.onChange?.()
    return updated
  }

  /** Poll one followed feed. */
  async pollFeed(id: string): Promise<void> {
    const file = await this.#options.feeds.load()
    const feed = file.followed[id]
    if (!feed) return
    const address = addressOf(feed)
    const nowIso = new Date(this.#now()).toISOString()
    const dht = this.dht
    let lookup
    try {
      if (!dht) throw new Error(DHT_OFF_ERROR)
      lookup = await lookupItems(dht, address)
    } catch (error) {
      await this.#patch(id, (current) => {
        current.lastPollAt = nowIso
        current.state = 'error'
        current.lastError = (error as Error).message
      })
      return
    }
    this.lookups++
    this.nodesAsked += lookup.visited
    const accepted = feed.item ? itemOf(feed, feed.item) : null
    const judgement = judgeAnswers(lookup.answers, address, accepted)
    for (const ignored of judgement.ignored)
      this.#audit(
        { type: 'feed.item-ignored', subject: id, details: { feed: feed.name, ...ignored } },
        `${id}:ignored:${ignored.problem}:${ignored.seq}:${ignored.from}`,
      )
    for (const rolled of judgement.rolledBack)
      this.#audit(
        {
          type: 'feed.rolled-back',
          subject: id,
          details: { feed: feed.name, ...rolled, acceptedSeq: accepted?.seq ?? null },
        },
        `${id}:rolled-back:${rolled.seq}:${rolled.valueSha256}`,
      )
    let error: string | null = null
    let refused = false
    const newer = judgement.newer
    if (newer) {
      const trust = await this.#options.trust.view()
      const check = checkRelease(newer, trust, this.#now())
      if (!check.ok) {
        refused = true
        error = `release seq ${newer.seq} refused (${check.reason}): ${check.message}`
        this.#audit(
          {
            type: 'feed.release-refused',
            subject: id,
            details: {
              feed: feed.name,
              seq: newer.seq,
              reason: check.reason,
              message: check.message,
              fingerprint: check.fingerprint,
              infoHash: check.infoHash,
            },
          },
          `${id}:refused:${newer.seq}:${valueSha256(newer.value)}`,
        )
      } else {
        const stored = storeItem(newer, check.infoHash, new Date(this.#now()))
        await this.#patch(id, (current) => {
          // Another process may have accepted a newer one meanwhile: never lower the mark.
          if (current.item && current.item.seq >= newer.seq) return
          current.item = stored
          current.expires = check.release.expires ?? null
          current.lastSeenAt = nowIso
          current.lastPutAt = null
          current.available = feed.notifyOnly ? { seq: newer.seq, infoHash: check.infoHash } : null
          // Shown at once (onChange): not 'waiting' beside the seq just accepted while it starts.
          current.state = isStale(current, this.#now()) ? 'stale' : 'ok'
        })
        this.#audit({
          type: 'feed.release',
          subject: id,
          details: {
            feed: feed.name,
            seq: newer.seq,
            infoHash: check.infoHash,
            fingerprints: check.signers.map((signer) => signer.fingerprint),
            started: !feed.notifyOnly,
          },
        })
        if (!feed.notifyOnly && this.#options.startRelease) {
          try {
            await this.#options.startRelease({
              feedId: id,
              feedName: feed.name,
              seq: newer.seq,
              infoHash: check.infoHash,
              magnet: magnetWithEnvelopes({ infoHash: check.infoHash }, check.envelopes),
              outDir: feed.outDir,
            })
          } catch (startError) {
            error = `release seq ${newer.seq} could not start: ${(startError as Error).message}`
          }
        }
      }
    }
    const updated = await this.#patch(id, (current) => {
      current.lastPollAt = nowIso
      if (judgement.currentSeen) current.lastSeenAt = nowIso
      current.lastError = error
      current.state = refused
        ? 'refused'
        : !current.item
          ? 'waiting'
          : isStale(current, this.#now())
            ? 'stale'
            : 'ok'
      if (error && !refused) current.state = 'error'
    })
    if (updated?.item) await this.#keepAlive(id, updated)
  }

  /** Re-put the accepted item when the last put is older than the republish interval. */
  async #keepAlive(id: string, feed: FollowedFeed): Promise<void> {
    const dht = this.dht
    if (!feed.item || !dht || !this.#due(feed.lastPutAt)) return
    try {
      await putItem(dht, itemOf(feed, feed.item))
      await this.#patch(id, (current) => (current.lastPutAt = new Date(this.#now()).toISOString()))
    } catch (error) {
      this.#options.onError?.(`feeds: re-put of ${feed.name} failed: ${(error as Error).message}`)
    }
  }

  #due(lastPutAt: string | null): boolean {
    return (
      lastPutAt === null ||
      this.#now() - Date.parse(lastPutAt) >= (this.#options.republishIntervalMs ?? REPUBLISH_INTERVAL_MS)
    )
  }

  async #republishPublished(): Promise<void> {
    const dht = this.dht
    if (!dht) return
    const file = await this.#options.feeds.load()
    for (const [id, feed] of Object.entries(file.published)) {
      if (!this.#due(feed.lastPutAt)) continue
      try {
        await putItem(dht, itemOf(feed, feed.item))
        await this.#options.feeds.update((current) => {
          const entry = current.published[id]
          if (entry && entry.item.seq === feed.item.seq) entry.lastPutAt = new Date(this.#now()).toISOString()
        })
      } catch (error) {
        this.#options.onError?.(`feeds: re-put of ${feed.name} failed: ${(error as Error).message}`)
      }
    }
  }
}
