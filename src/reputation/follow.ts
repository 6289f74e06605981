/**
 * Fleet reputation with no central server: an instance publishes its own bans as the signed JSON
 * ban report (report.ts, report-signature.ts) at `/bans.json` of `vouch serve --publish-bans`, and
 * other instances follow that URL with the publisher's key pinned for this purpose
 * (`vouch bans follow URL --key KEY --name NAME`). Each poll verifies the signature against the
 * pinned key, refuses a report older than the last one applied (a replay), and then makes the
 * follower's bans from this feed equal the report's: new bans added with source
 * `feed:<name> <fingerprint>`, their evidence and expiry kept; bans the publisher lifted, lifted.
 * Refusals are audited. A pseudonymised report names no address, so it is counted, not applied.
 *
 * State: HOME/follows.json.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BAN_REASONS as KNOWN_BAN_REASONS, type Ban } from '../defence/ban-store.ts'
import { VouchError } from '../errors.ts'
import { fingerprintOf } from '../provenance/keys.ts'
import { buildReport, JSON_REPORT_FORMAT } from './report.ts'
import { signReport, verifyReport } from './report-signature.ts'
import type { SecretKey } from '../provenance/keys.ts'
import type { ReputationStore } from './store.ts'
import { parseSubscriptionUrl } from './subscriptions.ts'

export const BANS_PATH = '/bans.json'
export const MAX_REPORT_BYTES = 16 * 1024 * 1024
export const DEFAULT_FOLLOW_EVERY_MS = 5 * 60 * 1000

/** A reason this Vouch does not know (a newer publisher's) is kept as `imported`. */
const BAN_REASONS: ReadonlySet<string> = new Set(KNOWN_BAN_REASONS)

/** The report a publishing instance serves: its own bans only (never bans it follows), signed. */
export function publishedReport(store: ReputationStore, key: SecretKey, now = Date.now()): string {
  const own = store.list(now).filter((ban) => !ban.source.startsWith('feed:'))
  return signReport('json', buildReport(own, 'json', { now }).text, key)
}

export interface Follow {
  name: string
  url: string
  /** Hex ed25519 public key pinned for this feed. */
  publicKey: string
  fingerprint: string
  everyMs: number
  /** `exportedAt` of the last report applied; older ones are refused. */
  lastExportedAt: string | null
  checkedAt: number | null
  error: string | null
  /** Bans applied from this feed in force after the last poll. */
  applied: number
  /** Pseudonymised reports seen (not applied: they name no address). */
  pseudonymised: number
}

export type PollResult =
  | { status: 'applied'; added: number; lifted: number; exportedAt: string }
  | { status: 'unchanged' }
  | { status: 'pseudonymised'; bans: number }
  | { status: 'refused'; problem: string; message: string }
  | { status: 'failed'; message: string }

interface ReportBan {
  address: string
  rangeEnd: string | null
  reason: string
  note: string
  expiresAt: string | null
  evidence: Ban['evidence']
  rule?: Ban['rule']
}

export function feedSource(follow: Pick<Follow, 'name' | 'fingerprint'>): `feed:${string}` {
  return `feed:${follow.name} ${follow.fingerprint}`
}

export class Follows {
  readonly #file: string
  readonly #home: string
  readonly #now: () => number

  constructor(home: string, options: { now?: () => number } = {}) {
    this.#home = home
    this.#file = path.join(home, 'follows.json')
    this.#now = options.now ?? Date.now
  }

  async list(): Promise<Follow[]> {
    try {
      const document = JSON.parse(await readFile(this.#file, 'utf8')) as {
        version?: number
        follows?: Follow[]
      }
      if (document.version !== 1 || !Array.isArray(document.follows)) throw new Error('not version 1')
      return document.follows
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw new VouchError('bad-input', `${this.#file} is malformed: ${(error as Error).message}`)
    }
  }

  async #save(follows: Follow[]): Promise<void> {
    await mkdir(this.#home, { recursive: true })
    const temporary = `${this.#file}.${process.pid}.tmp`
    await writeFile(temporary, `${JSON.stringify({ version: 1, follows }, null, 2)}\n`)
    await rename(temporary, this.#file)
  }

  async add(
    url: string,
    publicKey: Uint8Array,
    name: string,
    everyMs = DEFAULT_FOLLOW_EVERY_MS,
  ): Promise<Follow> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new VouchError('usage', `--name must be 1-64 letters, digits, . _ -, not '${name}'`)
    const parsed = parseSubscriptionUrl(url).toString()
    const all = (await this.list()).filter((follow) => follow.name !== name)
    const follow: Follow = {
      name,
      url: parsed,
      publicKey: Buffer.from(publicKey).toString('hex'),
      fingerprint: fingerprintOf(publicKey),
      everyMs,
      lastExportedAt: null,
      checkedAt: null,
      error: null,
      applied: 0,
      pseudonymised: 0,
    }
    await this.#save([...all, follow])
    return follow
  }

  /** Stop following `name` and lift the bans its feed applied. */
  async remove(name: string, store: ReputationStore): Promise<{ removed: boolean; lifted: number }> {
    const all = await this.list()
    const follow = all.find((entry) => entry.name === name)
    if (!follow) return { removed: false, lifted: 0 }
    const source = feedSource(follow)
    let lifted = 0
    for (const ban of store.list()) if (ban.source === source) lifted += store.lift(ban.address)
    await this.#save(all.filter((entry) => entry !== follow))
    return { removed: true, lifted }
  }

  async pollDue(store: ReputationStore, options: { force?: boolean } = {}): Promise<Map<string, PollResult>> {
    const results = new Map<string, PollResult>()
    const now = this.#now()
    for (const follow of await this.list()) {
      if (!options.force && follow.checkedAt !== null && now - follow.checkedAt < follow.everyMs) continue
      results.set(follow.name, await this.poll(follow, store))
    }
    return results
  }

  async poll(follow: Follow, store: ReputationStore): Promise<PollResult> {
    const result = await this.#poll(follow, store)
    const all = await this.list()
    const entry = all.find((candidate) => candidate.name === follow.name)
    if (entry) {
      entry.checkedAt = this.#now()
      entry.error = result.status === 'refused' || result.status === 'failed' ? result.message : null
      if (result.status === 'applied') entry.lastExportedAt = result.exportedAt
      if (result.status === 'pseudonymised') entry.pseudonymised++
      entry.applied = store.list().filter((ban) => ban.source === feedSource(entry)).length
      await this.#save(all)
    }
    return result
  }

  async #poll(follow: Follow, store: ReputationStore): Promise<PollResult> {
    let text: string
    try {
      const response = await fetch(follow.url, { signal: AbortSignal.timeout(30_000) })
      if (!response.ok) return { status: 'failed', message: `${follow.url} answered HTTP ${response.status}` }
      const body = Buffer.from(await response.arrayBuffer())
      if (body.length > MAX_REPORT_BYTES) return { status: 'failed', message: 'the report is too large' }
      text = body.toString('utf8')
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      return { status: 'failed', message: `cannot fetch ${follow.url}: ${cause ?? (error as Error).message}` }
    }
    const refuse = (problem: string, message: string): PollResult => {
      store.record({
        type: 'feed.refused',
        subject: follow.url,
        details: { feed: follow.name, problem, message },
      })
      return { status: 'refused', problem, message }
    }
    const check = verifyReport(text, new Uint8Array(Buffer.from(follow.publicKey, 'hex')))
    if (!check.ok) return refuse(check.problem, check.message)
    if (check.format !== 'json') return refuse('malformed', 'a followed report must be the JSON report')
    const document = JSON.parse(text) as {
      format?: unknown
      exportedAt?: unknown
      pseudonymised?: unknown
      bans?: unknown
    }
    if (
      document.format !== JSON_REPORT_FORMAT ||
      typeof document.exportedAt !== 'string' ||
      !Array.isArray(document.bans)
    )
      return refuse('malformed', 'not a vouch-bans report')
    const exportedAt = document.exportedAt
    if (follow.lastExportedAt !== null) {
      if (Date.parse(exportedAt) < Date.parse(follow.lastExportedAt))
        return refuse(
          'rollback',
          `the report (${exportedAt}) is older than the last one applied (${follow.lastExportedAt})`,
        )
      if (exportedAt === follow.lastExportedAt) return { status: 'unchanged' }
    }
    if (document.pseudonymised === true) {
      store.record({
        type: 'feed.pseudonymised',
        subject: follow.url,
        details: { feed: follow.name, bans: document.bans.length, exportedAt },
      })
      return { status: 'pseudonymised', bans: document.bans.length }
    }
    return this.#apply(follow, store, document.bans as ReportBan[], exportedAt)
  }

  #apply(follow: Follow, store: ReputationStore, bans: ReportBan[], exportedAt: string): PollResult {
    const source = feedSource(follow)
    const now = this.#now()
    const subject = (ban: { address: string; rangeEnd: string | null }) =>
      ban.rangeEnd === null ? ban.address : `${ban.address}-${ban.rangeEnd}`
    const held = new Map(
      store
        .list(now)
        .filter((ban) => ban.source === source)
        .map((ban) => [subject(ban), ban]),
    )
    const wanted = new Set<string>()
    let added = 0
    for (const ban of bans) {
      const expiresAt = ban.expiresAt === null ? null : Date.parse(ban.expiresAt)
      if (typeof ban.address !== 'string' || (expiresAt !== null && !(expiresAt > now))) continue
      wanted.add(subject(ban))
      if (held.has(subject(ban)) || store.banFor(ban.address, now)) continue
      store.add({
        address: ban.address,
        rangeEnd: typeof ban.rangeEnd === 'string' ? ban.rangeEnd : null,
        reason: (BAN_REASONS.has(ban.reason) ? ban.reason : 'imported') as Ban['reason'],
        source,
        evidence: ban.evidence ?? null,
        ...(ban.rule ? { rule: ban.rule } : {}),
        note: `${follow.name}: ${typeof ban.note === 'string' ? ban.note.slice(0, 200) : ''}`,
        createdAt: now,
        expiresAt,
      })
      added++
    }
    let lifted = 0
    for (const [key, ban] of held) if (!wanted.has(key)) lifted += store.lift(ban.address)
    store.record({
      type: 'feed.applied',
      subject: follow.url,
      details: { feed: follow.name, added, lifted, exportedAt },
    })
    return { status: 'applied', added, lifted, exportedAt }
  }
}

/** Polls followed reports on a timer (`vouch serve`, the desktop app). */
export class FollowScheduler {
  readonly #timer: NodeJS.Timeout
  #running: Promise<unknown> = Promise.resolve()
  #busy = false

  constructor(
    follows: Follows,
    store: ReputationStore,
    options: { checkEveryMs?: number; onError?: (error: Error) => void } = {},
  ) {
    this.#timer = setInterval(() => {
      if (this.#busy || store.closed) return
      this.#busy = true
      this.#running = follows
        .pollDue(store)
        .catch((error: Error) => options.onError?.(error))
        .finally(() => {
          this.#busy = false
        })
    }, options.checkEveryMs ?? 30_000)
    this.#timer.unref()
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#running
  }
}
