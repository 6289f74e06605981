/**
 * Blocklist subscriptions (`vouch bans subscribe URL`): a list fetched over HTTP(S) on a schedule
 * and imported through the one import path (blocklist-import.ts, with its width and loopback
 * limits). Requests are conditional (If-None-Match / If-Modified-Since), downloads are bounded,
 * and a failed fetch keeps the last good list (and its bans) and says so in the subscription's
 * status. When a list changes, the imported bans of entries it dropped are lifted.
 *
 * State: HOME/subscriptions.json (the list of subscriptions and their status) and the last good
 * list's bytes in HOME/subscriptions/<id>.list. `vouch serve` (and the desktop app) refresh due
 * subscriptions with SubscriptionScheduler.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { importBlocklist } from './blocklist-import.ts'
import { blocklistText, parseBlocklist } from './blocklist.ts'
import { formatIp } from './ip.ts'
import type { ReputationStore } from './store.ts'

/** The largest list body accepted over the network (compressed or not). */
export const MAX_SUBSCRIPTION_BYTES = 64 * 1024 * 1024
export const DEFAULT_EVERY_MS = 4 * 3600 * 1000
export const MIN_EVERY_MS = 10 * 1000
const FETCH_TIMEOUT_MS = 60_000

export interface Subscription {
  id: string
  url: string
  everyMs: number
  etag: string | null
  lastModified: string | null
  /** ms since epoch of the last attempt, successful or not; null before the first. */
  checkedAt: number | null
  /** When the list last changed (a 200 that was imported). */
  changedAt: number | null
  /** Entries in the last good list. */
  entries: number
  sha256: string | null
  /** Why the last attempt failed; null when it succeeded. The last good list stays in force. */
  error: string | null
}

export type RefreshResult =
  | { status: 'updated'; added: number; lifted: number; entries: number }
  | { status: 'unchanged' }
  | { status: 'failed'; error: string; keptLastGood: boolean }

/** `30s`, `15m`, `4h`, `1d` → ms; at least MIN_EVERY_MS. Throws VouchError('usage'). */
export function parseEvery(text: string): number {
  const match = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim())
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  const ms = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : Number.NaN
  if (!Number.isFinite(ms) || ms < MIN_EVERY_MS)
    throw new VouchError(
      'usage',
      `--every must be a duration like 30m, 4h or 1d (at least 10s), not '${text}'`,
    )
  return ms
}

export function parseSubscriptionUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new VouchError('bad-input', `'${text}' is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new VouchError('bad-input', `a blocklist subscription must be http or https, not ${url.protocol}`)
  if (url.username || url.password)
    throw new VouchError('bad-input', 'a subscription URL may not carry a user name or password')
  return url
}

function subscriptionId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16)
}

export class Subscriptions {
  readonly #home: string
  readonly #file: string
  readonly #dir: string
  readonly #now: () => number

  constructor(home: string, options: { now?: () => number } = {}) {
    this.#home = home
    this.#file = path.join(home, 'subscriptions.json')
    this.#dir = path.join(home, 'subscriptions')
    this.#now = options.now ?? Date.now
  }

  async list(): Promise<Subscription[]> {
    let text: string
    try {
      text = await readFile(this.#file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    try {
      const document = JSON.parse(text) as { version?: unknown; subscriptions?: Subscription[] }
      if (document.version !== 1 || !Array.isArray(document.subscriptions)) throw new Error('not version 1')
      return document.subscriptions
    } catch (error) {
      throw new VouchError('bad-input', `${this.#file} is malformed: ${(error as Error).message}`)
    }
  }

  async #save(subscriptions: Subscription[]): Promise<void> {
    await mkdir(this.#home, { recursive: true })
    const temporary = `${this.#file}.${process.pid}.tmp`
    await writeFile(temporary, `${JSON.stringify({ version: 1, subscriptions }, null, 2)}\n`)
    await rename(temporary, this.#file)
  }

  async #update(
    id: string,
    change: (subscription: Subscription) => Subscription,
  ): Promise<Subscription | undefined> {
    const all = await this.list()
    const index = all.findIndex((subscription) => subscription.id === id)
    const current = all[index]
    if (!current) return undefined
    all[index] = change(current)
    await this.#save(all)
    return all[index]
  }

  /** Add a subscription (or change how often an existing one is fetched). */
  async add(urlText: string, everyMs = DEFAULT_EVERY_MS): Promise<Subscription> {
    const url = parseSubscriptionUrl(urlText).toString()
    const all = await this.list()
    const existing = all.find((subscription) => subscription.url === url)
    if (existing) {
      existing.everyMs = everyMs
      await this.#save(all)
      return existing
    }
    const subscription: Subscription = {
      id: subscriptionId(url),
      url,
      everyMs,
      etag: null,
      lastModified: null,
      checkedAt: null,
      changedAt: null,
      entries: 0,
      sha256: null,
      error: null,
    }
    await this.#save([...all, subscription])
    return subscription
  }

  /** Remove a subscription and lift the imported bans of its last good list. Returns how many. */
  async remove(urlText: string, store: ReputationStore): Promise<{ removed: boolean; lifted: number }> {
    const all = await this.list()
    const subscription = all.find((entry) => entry.url === urlText || entry.url === safeUrl(urlText))
    if (!subscription) return { removed: false, lifted: 0 }
    const lifted = liftImported(store, await this.#lastGoodSubjects(subscription), new Set())
    await this.#save(all.filter((entry) => entry !== subscription))
    await rm(this.#listFile(subscription), { force: true })
    store.record({ type: 'ban.lifted', subject: subscription.url, details: { lifted, by: 'unsubscribe' } })
    return { removed: true, lifted }
  }

  /** Fetch every subscription whose interval has passed (all of them with `force`). */
  async refreshDue(
    store: ReputationStore,
    options: { force?: boolean } = {},
  ): Promise<Map<string, RefreshResult>> {
    const results = new Map<string, RefreshResult>()
    const now = this.#now()
    for (const subscription of await this.list()) {
      if (
        !options.force &&
        subscription.checkedAt !== null &&
        now - subscription.checkedAt < subscription.everyMs
      )
        continue
      results.set(subscription.url, await this.refresh(subscription, store))
    }
    return results
  }

  /** One conditional fetch and, when the list changed, its import. Never throws for network trouble. */
  async refresh(subscription: Subscription, store: ReputationStore): Promise<RefreshResult> {
    const checkedAt = this.#now()
    const fetched = await fetchList(subscription)
    if (fetched.status === 'unchanged') {
      await this.#update(subscription.id, (entry) => ({ ...entry, checkedAt, error: null }))
      return { status: 'unchanged' }
    }
    let result: RefreshResult
    let change: Partial<Subscription>
    if (fetched.status === 'failed') {
      const keptLastGood = subscription.sha256 !== null
      result = { status: 'failed', error: fetched.error, keptLastGood }
      change = { error: `${fetched.error}${keptLastGood ? '; the last good list stays in force' : ''}` }
    } else {
      try {
        const previous = await this.#lastGoodSubjects(subscription)
        const next = listSubjects(fetched.bytes)
        const summary = importBlocklist(store, fetched.bytes, {
          subject: subscription.url,
          details: { via: 'subscription' },
        })
        const lifted = liftImported(store, previous, next)
        await mkdir(this.#dir, { recursive: true })
        await writeFile(this.#listFile(subscription), fetched.bytes)
        const sha256 = createHash('sha256').update(fetched.bytes).digest('hex')
        result = { status: 'updated', added: summary.added.length, lifted, entries: next.size }
        change = {
          etag: fetched.etag,
          lastModified: fetched.lastModified,
          changedAt: checkedAt,
          entries: next.size,
          sha256,
          error: null,
        }
      } catch (error) {
        const message = `the list could not be imported: ${(error as Error).message.split('\n')[0]}`
        result = { status: 'failed', error: message, keptLastGood: subscription.sha256 !== null }
        change = { error: `${message}${subscription.sha256 ? '; the last good list stays in force' : ''}` }
      }
    }
    await this.#update(subscription.id, (entry) => ({ ...entry, ...change, checkedAt }))
    return result
  }

  #listFile(subscription: Subscription): string {
    return path.join(this.#dir, `${subscription.id}.list`)
  }

  async #lastGoodSubjects(subscription: Subscription): Promise<Set<string>> {
    try {
      return listSubjects(await readFile(this.#listFile(subscription)))
    } catch {
      return new Set()
    }
  }
}

function safeUrl(text: string): string {
  try {
    return new URL(text).toString()
  } catch {
    return text
  }
}

/** `first` or `first-last` of every entry, as the store files imported bans. */
function listSubjects(bytes: Uint8Array): Set<string> {
  const subjects = new Set<string>()
  for (const entry of parseBlocklist(blocklistText(bytes)).entries) {
    const first = formatIp(entry.first)
    const single = entry.first.family === 4 && entry.first.value === entry.last.value
    subjects.add(single ? first : `${first}-${formatIp(entry.last)}`)
  }
  return subjects
}

/** Lift the imported bans of entries in `previous` that `next` no longer lists. */
function liftImported(store: ReputationStore, previous: Set<string>, next: Set<string>): number {
  let lifted = 0
  for (const subject of previous) {
    if (next.has(subject)) continue
    const first = subject.split('-')[0] ?? subject
    if (store.banFor(first)?.reason !== 'imported') continue
    lifted += store.lift(first)
  }
  return lifted
}

type Fetched =
  | { status: 'changed'; bytes: Uint8Array; etag: string | null; lastModified: string | null }
  | { status: 'unchanged' }
  | { status: 'failed'; error: string }

async function fetchList(subscription: Subscription): Promise<Fetched> {
  const headers: Record<string, string> = { 'User-Agent': 'Vouch blocklist subscription' }
  // Only with a good list on disk: after a failed import the next fetch must bring the body again.
  if (subscription.sha256 !== null) {
    if (subscription.etag) headers['If-None-Match'] = subscription.etag
    if (subscription.lastModified) headers['If-Modified-Since'] = subscription.lastModified
  }
  let response: Response
  try {
    response = await fetch(subscription.url, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code
    return {
      status: 'failed',
      error: `cannot fetch ${subscription.url}: ${cause ?? (error as Error).message}`,
    }
  }
  if (response.status === 304) {
    await response.body?.cancel()
    return { status: 'unchanged' }
  }
  if (!response.ok) {
    await response.body?.cancel()
    return { status: 'failed', error: `${subscription.url} answered HTTP ${response.status}` }
  }
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_SUBSCRIPTION_BYTES) {
    await response.body?.cancel()
    return { status: 'failed', error: `the list is larger than ${MAX_SUBSCRIPTION_BYTES} bytes` }
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body ?? []) {
    size += chunk.length
    if (size > MAX_SUBSCRIPTION_BYTES) {
      await response.body?.cancel().catch(() => undefined)
      return { status: 'failed', error: `the list is larger than ${MAX_SUBSCRIPTION_BYTES} bytes` }
    }
    chunks.push(chunk)
  }
  return {
    status: 'changed',
    bytes: Buffer.concat(chunks),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  }
}

/** Refreshes due subscriptions on a timer (`vouch serve`, the desktop app). */
export class SubscriptionScheduler {
  readonly #timer: NodeJS.Timeout
  #running: Promise<unknown> = Promise.resolve()
  #busy = false

  constructor(
    subscriptions: Subscriptions,
    store: ReputationStore,
    options: { checkEveryMs?: number; onError?: (error: Error) => void } = {},
  ) {
    this.#timer = setInterval(() => {
      if (this.#busy || store.closed) return
      this.#busy = true
      this.#running = subscriptions
        .refreshDue(store)
        .catch((error: Error) => options.onError?.(error))
        .finally(() => {
          this.#busy = false
        })
    }, options.checkEveryMs ?? 60_000)
    this.#timer.unref()
  }

  /** Stop, after the refresh in progress (if any) ends. */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#running
  }
}
