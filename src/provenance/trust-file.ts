/**
 * The trust store's file format, HOME/trust.json (docs/formats.md, "Trust store"): its records,
 * the check every read passes (a version 1 file is migrated on the way, trust-migration.ts), and
 * the policy's view of it. Pure data and functions, apart from trust-store.ts, which reads, caches
 * and writes the file; rotation.ts and group-pinning.ts change a TrustFile without the store.
 */
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { parsePublicKey, type PublisherKey } from './keys.ts'
import type { TrustGroup } from './groups.ts'
import { sequenceKey, type SequenceRecord, type TrustView, type TrustedPublisher } from './policy.ts'
import { migrateSequences, type StoredSequence } from './trust-migration.ts'

const FORMAT_VERSION = 2
/** The engine's stored torrents, next to trust.json (src/engine/paths.ts), read by the migration. */
const TORRENTS_DIR = 'torrents'

export interface PinnedPublisher {
  fingerprint: string
  /** `vouch-ed25519 <base64url>` */
  publicKey: string
  name: string
  pinnedAt: string
  expires: string | null
  scope: string | null
  revokedAt: string | null
  /** Set when the pin was handed to another key (rotation.ts): that key's fingerprint. */
  rotatedTo?: string
  rotatedAt?: string
}

export interface PinnedGroup extends TrustGroup {
  members: string[]
  createdAt: string
}

export interface TrustFile {
  version: number
  publishers: PinnedPublisher[]
  groups: PinnedGroup[]
  /** Highest sequence accepted, per key fingerprint, then per torrent name. */
  sequences: Record<string, Record<string, StoredSequence>>
  /** Version 1 records whose torrent name could not be found (trust-migration.ts); not enforced. */
  legacySequences?: Record<string, StoredSequence>
}

/** Accepts `1a2b-3c4d-5e6f-7a8b`, `1a2b3c4d5e6f7a8b` or with colons; returns the canonical form. */
export function normaliseFingerprint(text: string): string | null {
  const digits = text.trim().toLowerCase().replace(/[-:]/g, '')
  if (!/^[0-9a-f]{16}$/.test(digits)) return null
  return digits.match(/.{4}/g)!.join('-')
}

export function emptyFile(): TrustFile {
  return { version: FORMAT_VERSION, publishers: [], groups: [], sequences: {} }
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/** Check every entry; a corrupt trust store is an error the user must see, never silently empty. */
export function validateTrustFile(data: unknown, file: string): TrustFile {
  const fail = (what: string): never => {
    throw new VouchError('bad-input', `the trust store ${file} is corrupt: ${what}`, { file })
  }
  if (typeof data !== 'object' || data === null) return fail('not a JSON object')
  let record = data as Partial<TrustFile>
  if (record.version === 1 && typeof record.sequences === 'object' && record.sequences !== null) {
    checkSequenceRecords(record.sequences as object, fail)
    const migrated = migrateSequences(
      record.sequences as unknown as Record<string, StoredSequence>,
      path.join(path.dirname(file), TORRENTS_DIR),
    )
    record = { ...record, version: FORMAT_VERSION, groups: [], ...migrated }
  }
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
  for (const [fingerprint, names] of Object.entries(record.sequences as object)) {
    if (typeof names !== 'object' || names === null || Array.isArray(names))
      fail(`sequence records for '${fingerprint.slice(0, 40)}' are malformed`)
    checkSequenceRecords({ [fingerprint]: {} }, fail)
    for (const entry of Object.values(names as object)) checkSequenceRecords({ [fingerprint]: entry }, fail)
  }
  if (!Array.isArray(record.groups)) fail('groups is not a list')
  for (const group of record.groups as unknown[]) {
    const entry = group as Partial<PinnedGroup>
    const members = entry.members
    if (
      typeof entry.name !== 'string' ||
      !Array.isArray(members) ||
      !Number.isSafeInteger(entry.threshold) ||
      (entry.threshold as number) < 1 ||
      (entry.threshold as number) > members.length ||
      members.some((member) => !seen.has(member as string))
    )
      fail(`group '${String(entry.name).slice(0, 40)}' is malformed or names a key that is not listed`)
  }
  return record as TrustFile
}

function checkSequenceRecords(records: object, fail: (what: string) => never): void {
  for (const [fingerprint, sequence] of Object.entries(records)) {
    const entry = sequence as Partial<StoredSequence>
    if (
      normaliseFingerprint(fingerprint) !== fingerprint ||
      (Object.keys(entry ?? {}).length > 0 &&
        (!Number.isSafeInteger(entry?.sequence) || typeof entry?.infoHash !== 'string'))
    )
      fail(`sequence record for '${fingerprint.slice(0, 40)}' is malformed`)
  }
}

export function toView(file: TrustFile): TrustView {
  const publishers: TrustedPublisher[] = file.publishers.map((publisher) => ({
    fingerprint: publisher.fingerprint,
    name: publisher.name,
    publicKey: parsePublicKey(publisher.publicKey).publicKey,
    expiresAt: publisher.expires === null ? null : Date.parse(publisher.expires),
    scope: publisher.scope,
    revokedAt: publisher.revokedAt === null ? null : Date.parse(publisher.revokedAt),
    ...(publisher.rotatedAt
      ? { rotatedAt: Date.parse(publisher.rotatedAt), rotatedTo: publisher.rotatedTo ?? '' }
      : {}),
  }))
  const sequences = new Map<string, SequenceRecord>(
    Object.entries(file.sequences).flatMap(([fingerprint, names]) =>
      Object.entries(names).map(([name, record]): [string, SequenceRecord] => [
        sequenceKey(fingerprint, name),
        { sequence: record.sequence, infoHash: record.infoHash },
      ]),
    ),
  )
  const groups = file.groups.map(({ name, threshold, members }) => ({ name, threshold, members }))
  return { publishers, sequences, groups }
}
