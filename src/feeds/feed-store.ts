/**
 * HOME/feeds.json: the feeds this installation publishes and follows (docs/formats.md, "Feeds").
 * JSON rather than a table in vouch.db because it is small, read by commands that open no store,
 * and written the same way as trust.json: under a lock file, to a temporary file synced to disk,
 * then renamed, so a `vouch follow` and a running `serve` never undo each other's change.
 *
 * Each feed keeps the latest signed item it accepted (value and signature), which is both the
 * rollback high-water mark and what is re-put to keep the feed alive: a re-put needs only the
 * signature, not the publisher's key.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import { LockedJsonFile } from '../provenance/file-lock.ts'
import { mutableTarget, type MutableItem } from './bep44.ts'
import type { FeedAddress } from './feed-magnet.ts'

export const FEEDS_FILE_NAME = 'feeds.json'
const FORMAT_VERSION = 1

/** A signed item as stored: every byte string in hex. */
export interface StoredItem {
  seq: number
  value: string
  signature: string
  infoHash: string
  /** When this item was accepted (followed) or put (published). */
  at: string
  /** The key that signed it, hex, when not the feed's own (a feed moved by a rotation, feed-rotation.ts). */
  publicKey?: string
}

export interface PublishedFeed {
  publicKey: string
  salt: string
  name: string
  item: StoredItem
  lastPutAt: string | null
}

export type FeedState = 'waiting' | 'ok' | 'stale' | 'refused' | 'error'

export interface FollowedFeed {
  magnet: string
  publicKey: string
  salt: string
  name: string
  fingerprint: string
  outDir: string | null
  notifyOnly: boolean
  followedAt: string
  /** The highest item accepted: rollback protection, and what this follower re-puts. */
  item: StoredItem | null
  /** `expires` of the accepted item's value, seconds since 1970. */
  expires: number | null
  lastPollAt: string | null
  /** Last time any node returned the accepted item (or a newer one). */
  lastSeenAt: string | null
  lastPutAt: string | null
  state: FeedState
  lastError: string | null
  /** With --notify-only: the release announced but not started. */
  available: { seq: number; infoHash: string } | null
}

export interface FeedsFile {
  version: number
  published: Record<string, PublishedFeed>
  followed: Record<string, FollowedFeed>
}

export function feedsFilePath(home: string): string {
  return path.join(home, FEEDS_FILE_NAME)
}

/** The key feeds are listed under: the hex target. */
export function feedId(feed: FeedAddress): string {
  return Buffer.from(mutableTarget(feed.publicKey, feed.salt)).toString('hex')
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))

export function storeItem(item: MutableItem, infoHash: string, at = new Date()): StoredItem {
  return {
    seq: item.seq,
    value: hex(item.value),
    signature: hex(item.signature),
    infoHash,
    at: at.toISOString(),
  }
}

export function itemOf(feed: { publicKey: string; salt: string }, stored: StoredItem): MutableItem {
  return {
    publicKey: fromHex(stored.publicKey ?? feed.publicKey),
    salt: fromHex(feed.salt),
    seq: stored.seq,
    value: fromHex(stored.value),
    signature: fromHex(stored.signature),
  }
}

export function addressOf(feed: { publicKey: string; salt: string }): FeedAddress {
  return { publicKey: fromHex(feed.publicKey), salt: fromHex(feed.salt) }
}

function emptyFile(): FeedsFile {
  return { version: FORMAT_VERSION, published: {}, followed: {} }
}

function validate(data: unknown, file: string): FeedsFile {
  const fail = (what: string): never => {
    throw new VouchError('bad-input', `the feeds file ${file} is corrupt: ${what}`, { file })
  }
  if (typeof data !== 'object' || data === null) return fail('not a JSON object')
  const record = data as Partial<FeedsFile>
  if (record.version !== FORMAT_VERSION) fail(`unsupported version ${String(record.version)}`)
  for (const part of ['published', 'followed'] as const) {
    const entries = record[part]
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
      fail(`${part} is not an object`)
    for (const [id, feed] of Object.entries(entries as object)) {
      const entry = feed as Partial<FollowedFeed>
      if (!/^[0-9a-f]{40}$/.test(id)) fail(`feed id '${id.slice(0, 50)}' is not a target`)
      if (typeof entry.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(entry.publicKey))
        fail(`feed ${id} has no public key`)
      if (typeof entry.salt !== 'string' || !/^(?:[0-9a-f]{2}){0,64}$/.test(entry.salt))
        fail(`feed ${id} has a bad salt`)
      if (feedId(addressOf(entry as FollowedFeed)) !== id) fail(`feed ${id} is listed under the wrong target`)
      const item = entry.item
      if (
        item !== null &&
        item !== undefined &&
        (!Number.isSafeInteger(item.seq) ||
          typeof item.value !== 'string' ||
          (item.publicKey !== undefined && !/^[0-9a-f]{64}$/.test(item.publicKey)))
      )
        fail(`feed ${id} has a malformed item`)
    }
  }
  return record as FeedsFile
}

export class FeedStore {
  readonly file: string
  // Created on first use: `file` is set in the constructor.
  #lockedJson: LockedJsonFile<FeedsFile> | undefined
  get #json(): LockedJsonFile<FeedsFile> {
    return (this.#lockedJson ??= new LockedJsonFile(this.file, () => this.load()))
  }

  constructor(file: string) {
    this.file = file
  }

  static forHome(home: string): FeedStore {
    return new FeedStore(feedsFilePath(home))
  }

  async load(): Promise<FeedsFile> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile()
      throw new VouchError(
        'bad-input',
        `cannot read the feeds file ${this.file}: ${(error as Error).message}`,
      )
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw new VouchError('bad-input', `the feeds file ${this.file} is corrupt: not JSON`, {
        file: this.file,
      })
    }
    return validate(data, this.file)
  }

  /** Load, change, write atomically, holding HOME/feeds.json.lock (as trust.json does). */
  update<T>(change: (file: FeedsFile) => T): Promise<T> {
    return this.#json.update(change)
  }
}
