/**
 * The pinned publishers and the per-publisher highest sequence, persisted as HOME/trust.json
 * (docs/formats.md, "Trust store"). A small JSON file written atomically (temp file, then rename)
 * and checked before every decision, so a `vouch trust …` in another process takes effect at once:
 * each decision stats the file and reads it again only when it is another version of it.
 * Revoked keys stay in the file, refused forever: neither `remove` nor `add` undoes a revocation.
 * The file's records, their check and the policy's view of them are in trust-file.ts.
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { readBoundedFile, readBoundedFileSync } from '../bounded-read.ts'
import { VouchError } from '../errors.ts'
import { LockedJsonFile } from './file-lock.ts'
import { applyGroup, checkedGroup } from './group-pinning.ts'
import { formatPublicKey, parsePublicKey, type PublisherKey } from './keys.ts'
import { sequenceKey, type TrustView } from './policy.ts'
import { applyRotation, type RotationStatement } from './rotation.ts'
import {
  emptyFile,
  normaliseFingerprint,
  toView,
  validateTrustFile,
  type PinnedGroup,
  type PinnedPublisher,
  type TrustFile,
} from './trust-file.ts'

/** A trust store of thousands of publishers is well under this; more is not one. */
export const MAX_TRUST_FILE_BYTES = 16 * 1024 * 1024

export const TRUST_FILE_NAME = 'trust.json'
const MAX_LABEL = 200
const MAX_SCOPE = 500

export interface PinOptions {
  name: string
  expires?: Date | undefined
  scope?: string | undefined
}

export function trustFilePath(home: string): string {
  return path.join(home, TRUST_FILE_NAME)
}

/**
 * Which version of the file is on disk: a write (a rename over it, or an edit in place, even one
 * keeping its size and modification time) changes the inode or the change time. 'absent' when
 * there is no file; null when it cannot be told (the read then reports why).
 */
function versionOf(file: string): string | null {
  try {
    const stats = statSync(file, { bigint: true, throwIfNoEntry: false })
    return stats ? `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}` : 'absent'
  } catch {
    return null
  }
}

export class TrustStore {
  readonly file: string
  /** The view of the version last read: resuming 2,000 torrents decides 2,000 times on one file. */
  #view: { version: string; view: TrustView } | undefined
  // Created on first use: `file` is set in the constructor.
  #lockedJson: LockedJsonFile<TrustFile> | undefined
  get #json(): LockedJsonFile<TrustFile> {
    return (this.#lockedJson ??= new LockedJsonFile(this.file, () => this.load()))
  }

  constructor(file: string) {
    this.file = file
  }

  static forHome(home: string): TrustStore {
    return new TrustStore(trustFilePath(home))
  }

  async load(): Promise<TrustFile> {
    let text: string
    try {
      text = (await readBoundedFile(this.file, MAX_TRUST_FILE_BYTES, 'trust store')).toString('utf8')
    } catch (error) {
      return this.#unreadable(error)
    }
    return this.#parse(text)
  }

  /**
   * What the policy function needs, as the file is now: read again only when the file is another
   * version than the one read last (versionOf), so a revocation written in between counts. The
   * view is shared between callers: read-only.
   */
  async view(): Promise<TrustView> {
    // Taken before the read: a write during the read makes the next call read again.
    const version = versionOf(this.file)
    const cached = this.#cachedView(version)
    return cached ?? this.#remember(version, toView(await this.load()))
  }

  /**
   * The same, read synchronously: for decisions taken inside an event handler that must finish
   * before WebTorrent goes on (the gate's metadata check), so a revocation made meanwhile counts.
   */
  viewSync(): TrustView {
    const version = versionOf(this.file)
    const cached = this.#cachedView(version)
    if (cached) return cached
    let text: string
    try {
      text = readBoundedFileSync(this.file, MAX_TRUST_FILE_BYTES, 'trust store').toString('utf8')
    } catch (error) {
      return this.#remember(version, toView(this.#unreadable(error)))
    }
    return this.#remember(version, toView(this.#parse(text)))
  }

  #cachedView(version: string | null): TrustView | undefined {
    return version !== null && this.#view?.version === version ? this.#view.view : undefined
  }

  #remember(version: string | null, view: TrustView): TrustView {
    if (version !== null) this.#view = { version, view }
    return view
  }

  /** No file yet is an empty store; any other read error is the user's to see. */
  #unreadable(error: unknown): TrustFile {
    if (error instanceof VouchError && error.details.errno === 'ENOENT') return emptyFile()
    throw new VouchError('bad-input', `cannot read the trust store: ${(error as Error).message}`)
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
    return validateTrustFile(data, this.file)
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

  /**
   * Pin a threshold group: a torrent from any of its keys needs `threshold` distinct keys of the
   * group (groups.ts). Keys not pinned yet are pinned under the group's name; keys already pinned
   * keep their name, scope and expiry. Revoked or rotated keys cannot join. One locked update, so
   * a refused group pins nothing. Adding a group of the same name again replaces it.
   */
  async addGroup(name: string, threshold: number, keys: readonly PublisherKey[]): Promise<PinnedGroup> {
    const request = checkedGroup(name, threshold, keys)
    return this.#update((file) => applyGroup(file, request, new Date()))
  }

  async groups(): Promise<PinnedGroup[]> {
    return (await this.load()).groups
  }

  /**
   * What applying a rotation would do, without doing it: the key that would take the pin, or the
   * refusal `rotate` would give (checked again when it is applied).
   */
  async previewRotation(statement: RotationStatement, now = new Date()): Promise<PinnedPublisher> {
    return applyRotation(structuredClone(await this.load()), statement, now)
  }

  /** Hand a pin to a new key with a signed rotation statement (rotation.ts). */
  async rotate(statement: RotationStatement, now = new Date()): Promise<PinnedPublisher> {
    return this.#update((file) => applyRotation(file, statement, now))
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

  /** Remember accepted sequence numbers, per key and torrent name; only ever raises them. */
  async recordSequences(
    records: readonly { fingerprint: string; name: string; sequence: number; infoHash: string }[],
  ): Promise<void> {
    if (records.length === 0) return
    // A resume accepts again releases recorded before: when nothing would be raised, nothing is
    // written (each write takes the lock and an fsync). Sequences only rise, so none can be lost.
    const recorded = (await this.view()).sequences
    const raises = (record: (typeof records)[number]) =>
      record.sequence > (recorded.get(sequenceKey(record.fingerprint, record.name))?.sequence ?? -1)
    if (!records.some(raises)) return
    await this.#update((file) => {
      for (const record of records) {
        const names = (file.sequences[record.fingerprint] ??= {})
        const current = names[record.name]
        if (!current || record.sequence > current.sequence)
          names[record.name] = {
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
    return this.#json.update(change)
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
