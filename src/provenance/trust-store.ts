/**
 * The pinned publishers and the per-publisher highest sequence, persisted as HOME/trust.json
 * (docs/formats.md, "Trust store"). A small JSON file written atomically (temp file, then rename)
 * and re-read before every decision, so a `vouch trust …` in another process takes effect at once.
 * Revoked keys stay in the file, refused forever: neither `remove` nor `add` undoes a revocation.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { formatPublicKey, parsePublicKey, type PublisherKey } from './keys.ts'
import type { SequenceRecord, TrustView, TrustedPublisher } from './policy.ts'

export const TRUST_FILE_NAME = 'trust.json'
const FORMAT_VERSION = 1
const MAX_LABEL = 200
const MAX_SCOPE = 500

export interface PinnedPublisher {
  fingerprint: string
  /** `vouch-ed25519 <base64url>` */
  publicKey: string
  name: string
  pinnedAt: string
  expires: string | null
  scope: string | null
  revokedAt: string | null
}

export interface TrustFile {
  version: number
  publishers: PinnedPublisher[]
  sequences: Record<string, SequenceRecord & { at: string }>
}

export interface PinOptions {
  name: string
  expires?: Date | undefined
  scope?: string | undefined
}

export function trustFilePath(home: string): string {
  return path.join(home, TRUST_FILE_NAME)
}

/** Accepts `1a2b-3c4d-5e6f-7a8b`, `1a2b3c4d5e6f7a8b` or with colons; returns the canonical form. */
export function normaliseFingerprint(text: string): string | null {
  const digits = text.trim().toLowerCase().replace(/[-:]/g, '')
  if (!/^[0-9a-f]{16}$/.test(digits)) return null
  return digits.match(/.{4}/g)!.join('-')
}

function emptyFile(): TrustFile {
  return { version: FORMAT_VERSION, publishers: [], sequences: {} }
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/** Check every entry; a corrupt trust store is an error the user must see, never silently empty. */
function validate(data: unknown, file: string): TrustFile {
  const fail = (what: string): never => {
    throw new VouchError('bad-input', `the trust store ${file} is corrupt: ${what}`, { file })
  }
  if (typeof data !== 'object' || data === null) return fail('not a JSON object')
  const record = data as Partial<TrustFile>
  if (record.version !== FORMAT_VERSION) fail(`unsupported version ${String(record.version)}`)
  if (!Array.isArray(record.publishers)) fail('publishers is not a list')
  const seen = new Set<string>()
  for (const entry of record.publishers as unknown[]) {
    const publisher = entry as PinnedPublisher
    if (typeof publisher?.publicKey !== 'string') fail('a publisher has no public key')
    let key: PublisherKey
    try {
      key = parsePublicKey(publisher.publicKey)
    } catch {
      return fail(`publisher key '${String(publisher.publicKey).slice(0, 60)}' is malformed`)
    }
    if (publisher.fingerprint !== key.fingerprint) fail(`fingerprint of ${publisher.publicKey} is wrong`)
    // The policy takes the first entry for a key: a second one could shadow a revocation.
    if (seen.has(key.fingerprint)) fail(`publisher ${key.fingerprint} is listed twice`)
    seen.add(key.fingerprint)
    if (typeof publisher.name !== 'string') fail(`publisher ${publisher.fingerprint} has no name`)
    if (!isIsoTime(publisher.pinnedAt)) fail(`publisher ${publisher.fingerprint} has no pinnedAt`)
    if (publisher.expires !== null && !isIsoTime(publisher.expires))
      fail(`bad expires for ${publisher.fingerprint}`)
    if (publisher.revokedAt !== null && !isIsoTime(publisher.revokedAt))
      fail(`bad revokedAt for ${publisher.fingerprint}`)
    if (publisher.scope !== null && typeof publisher.scope !== 'string')
      fail(`bad scope for ${publisher.fingerprint}`)
  }
  if (typeof record.sequences !== 'object' || record.sequences === null || Array.isArray(record.sequences))
    fail('sequences is not an object')
  for (const [fingerprint, sequence] of Object.entries(record.sequences as object)) {
    const entry = sequence as SequenceRecord
    if (
      normaliseFingerprint(fingerprint) !== fingerprint ||
      !Number.isSafeInteger(entry?.sequence) ||
      typeof entry.infoHash !== 'string'
    )
      fail(`sequence record for '${fingerprint.slice(0, 40)}' is malformed`)
  }
  return record as TrustFile
}

export class TrustStore {
  readonly file: string
  #writing: Promise<void> = Promise.resolve()

  constructor(file: string) {
    this.file = file
  }

  static forHome(home: string): TrustStore {
    return new TrustStore(trustFilePath(home))
  }

  async load(): Promise<TrustFile> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      return this.#unreadable(error)
    }
    return this.#parse(text)
  }

  /** What the policy function needs. */
  async view(): Promise<TrustView> {
    return toView(await this.load())
  }

  /**
   * The same, read synchronously: for decisions taken inside an event handler that must finish
   * before WebTorrent goes on (the gate's metadata check), so a revocation made meanwhile counts.
   */
  viewSync(): TrustView {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      return toView(this.#unreadable(error))
    }
    return toView(this.#parse(text))
  }

  /** No file yet is an empty store; any other read error is the user's to see. */
  #unreadable(error: unknown): TrustFile {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile()
    throw new VouchError('bad-input', `cannot read the trust store ${this.file}: ${(error as Error).message}`)
  }

  #parse(text: string): TrustFile {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw new VouchError('bad-input', `the trust store ${this.file} is corrupt: not JSON`, {
        file: this.file,
      })
    }
    return validate(data, this.file)
  }

  async list(): Promise<PinnedPublisher[]> {
    return (await this.load()).publishers
  }

  /** Pin a key, or update the label, expiry and scope of one already pinned. */
  async pin(key: PublisherKey, options: PinOptions): Promise<PinnedPublisher> {
    const name = options.name.trim()
    if (name === '' || name.length > MAX_LABEL)
      throw new VouchError('usage', `--name must be 1 to ${MAX_LABEL} characters`)
    if (options.scope !== undefined && (options.scope === '' || options.scope.length > MAX_SCOPE))
      throw new VouchError('usage', `--scope must be 1 to ${MAX_SCOPE} characters`)
    return this.#update((file) => {
      const existing = file.publishers.find((publisher) => publisher.fingerprint === key.fingerprint)
      if (existing?.revokedAt)
        throw new VouchError(
          'refused',
          `key ${key.fingerprint} (${existing.name}) was revoked ${existing.revokedAt}; revocation is permanent`,
          { fingerprint: key.fingerprint },
        )
      const pinned: PinnedPublisher = {
        fingerprint: key.fingerprint,
        publicKey: formatPublicKey(key.publicKey),
        name,
        pinnedAt: existing?.pinnedAt ?? new Date().toISOString(),
        expires: options.expires ? options.expires.toISOString() : null,
        scope: options.scope ?? null,
        revokedAt: null,
      }
      file.publishers = [...file.publishers.filter((publisher) => publisher !== existing), pinned]
      return pinned
    })
  }

  /** Unpin a key. Revoked keys cannot be removed. */
  async remove(fingerprint: string): Promise<PinnedPublisher> {
    return this.#update((file) => {
      const existing = findPublisher(file, fingerprint)
      if (existing.revokedAt)
        throw new VouchError(
          'refused',
          `key ${existing.fingerprint} is revoked; revoked keys stay listed so they are refused forever`,
          { fingerprint: existing.fingerprint },
        )
      file.publishers = file.publishers.filter((publisher) => publisher !== existing)
      return existing
    })
  }

  /** Revoke a pinned key (by fingerprint), or any key given in full, which is then listed as revoked. */
  async revoke(fingerprintOrKey: string, name = 'revoked key'): Promise<PinnedPublisher> {
    return this.#update((file) => {
      let existing: PinnedPublisher | undefined
      if (normaliseFingerprint(fingerprintOrKey)) existing = findPublisher(file, fingerprintOrKey)
      else {
        const key = parsePublicKey(fingerprintOrKey)
        existing = file.publishers.find((publisher) => publisher.fingerprint === key.fingerprint)
        if (!existing) {
          existing = {
            fingerprint: key.fingerprint,
            publicKey: formatPublicKey(key.publicKey),
            name,
            pinnedAt: new Date().toISOString(),
            expires: null,
            scope: null,
            revokedAt: null,
          }
          file.publishers.push(existing)
        }
      }
      existing.revokedAt ??= new Date().toISOString()
      return existing
    })
  }

  /** Remember accepted sequence numbers; only ever raises them. */
  async recordSequences(
    records: readonly { fingerprint: string; sequence: number; infoHash: string }[],
  ): Promise<void> {
    if (records.length === 0) return
    await this.#update((file) => {
      for (const record of records) {
        const current = file.sequences[record.fingerprint]
        if (!current || record.sequence > current.sequence)
          file.sequences[record.fingerprint] = {
            sequence: record.sequence,
            infoHash: record.infoHash,
            at: new Date().toISOString(),
          }
      }
    })
  }

  /**
   * Load, change, write atomically; one change at a time within this process, and across
   * processes through a lock file, so that (say) `vouch trust revoke` and a daemon recording a
   * sequence cannot each write back their own stale copy and undo the other's change.
   */
  #update<T>(change: (file: TrustFile) => T): Promise<T> {
    const result = this.#writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true })
      const release = await acquireLock(`${this.file}.lock`)
      try {
        const file = await this.load()
        const value = change(file)
        const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
        const handle = await open(temp, 'wx', 0o600)
        try {
          await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`)
          // On disk before the rename, so a crash leaves the old file or the new one, never an empty one.
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, this.file)
        return value
      } finally {
        await release()
      }
    })
    this.#writing = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}

/** How long a change waits for another process's lock before giving up. */
const LOCK_WAIT_MS = 10_000
const LOCK_RETRY_MS = 15

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * An exclusive lock: the file `lock` holding the owner's pid, created with O_EXCL. A lock whose
 * owner is no longer running (it crashed mid-change) is taken over; a live one is waited for.
 */
export async function acquireLock(lock: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600)
      try {
        await handle.writeFile(`${process.pid}\n`)
      } finally {
        await handle.close()
      }
      return () => unlink(lock).catch(() => undefined)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10)
    if (Number.isSafeInteger(owner) && owner > 0 && !isRunning(owner)) {
      await unlink(lock).catch(() => undefined)
      continue
    }
    if (Date.now() > deadline)
      throw new VouchError(
        'internal',
        `the trust store is locked by process ${Number.isNaN(owner) ? '?' : owner} (${lock}); try again`,
      )
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))
  }
}

function notPinned(fingerprint: string): VouchError {
  return new VouchError(
    'bad-input',
    `no pinned publisher has fingerprint '${fingerprint}' (see vouch trust list)`,
  )
}

function findPublisher(file: TrustFile, fingerprint: string): PinnedPublisher {
  const wanted = normaliseFingerprint(fingerprint)
  const existing = wanted ? file.publishers.find((publisher) => publisher.fingerprint === wanted) : undefined
  if (!existing) throw notPinned(fingerprint)
  return existing
}

export function toView(file: TrustFile): TrustView {
  const publishers: TrustedPublisher[] = file.publishers.map((publisher) => ({
    fingerprint: publisher.fingerprint,
    name: publisher.name,
    publicKey: parsePublicKey(publisher.publicKey).publicKey,
    expiresAt: publisher.expires === null ? null : Date.parse(publisher.expires),
    scope: publisher.scope,
    revokedAt: publisher.revokedAt === null ? null : Date.parse(publisher.revokedAt),
  }))
  const sequences = new Map<string, SequenceRecord>(
    Object.entries(file.sequences).map(([fingerprint, record]) => [
      fingerprint,
      { sequence: record.sequence, infoHash: record.infoHash },
    ]),
  )
  return { publishers, sequences }
}
