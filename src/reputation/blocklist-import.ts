/**
 * The one way a blocklist becomes bans (`vouch bans import`, the API's `bans.import`, and
 * subscriptions built on them): parse, refuse entries that would cut this machine off, ban the
 * rest, audit the import as one event.
 *
 * Blocklists come from third parties, so one line must not ban everything: without `force`, an
 * entry is refused when it is wider than an IPv4 /8 or an IPv6 /32, or covers a loopback address or
 * one of this machine's own addresses. Refused entries are reported with their reason; the others
 * still import.
 */
import { createHash } from 'node:crypto'
import os from 'node:os'
import type { Ban } from '../defence/ban-store.ts'
import { VouchError } from '../errors.ts'
import { blocklistText, parseBlocklist, type MalformedLine } from './blocklist.ts'
import { formatIp, IPV4_MAPPED_PREFIX, ordinal, parseIp, type IpAddress } from './ip.ts'
import type { BlocklistEntry, ReputationStore } from './store.ts'

/** No IPv4 entry may cover more addresses than a /8 (16,777,216), unless forced. */
export const MAX_IPV4_PREFIX_WIDTH = 8
/** No IPv6 entry may cover more addresses than a /32 (a large ISP's allocation), unless forced. */
export const MAX_IPV6_PREFIX_WIDTH = 32
/** Lines an error message lists (of the malformed and of the refused). */
const ERROR_LINES_SHOWN = 20
/** Refused entries kept with their text; beyond these they are only counted. */
export const MAX_REFUSED_KEPT = 50

const IPV4_LIMIT = 1n << BigInt(32 - MAX_IPV4_PREFIX_WIDTH)
const IPV6_LIMIT = 1n << BigInt(128 - MAX_IPV6_PREFIX_WIDTH)
const IPV4_FIRST = IPV4_MAPPED_PREFIX
const IPV4_LAST = IPV4_MAPPED_PREFIX | 0xffffffffn
/** 127.0.0.0/8 and ::1, on the ordinal line of ip.ts. */
const LOOPBACK: { first: bigint; last: bigint; name: string }[] = [
  {
    first: IPV4_MAPPED_PREFIX | (127n << 24n),
    last: IPV4_MAPPED_PREFIX | ((128n << 24n) - 1n),
    name: '127.0.0.0/8',
  },
  { first: 1n, last: 1n, name: '::1' },
]

export type EntryRefusal = 'too-wide' | 'loopback' | 'own-address'

export interface RefusedEntry {
  /** `first-last` as the list gave it (normalised). */
  range: string
  label: string
  reason: EntryRefusal
  /** One sentence for people. */
  message: string
}

/** This machine's addresses (every interface, loopback included), from os.networkInterfaces(). */
export function machineAddresses(): IpAddress[] {
  const addresses: IpAddress[] = []
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) {
      const parsed = parseIp(entry.address.replace(/%.*$/, ''))
      if (parsed) addresses.push(parsed)
    }
  }
  return addresses
}

function rangeText(entry: BlocklistEntry): string {
  return `${formatIp(entry.first)}-${formatIp(entry.last)}`
}

/** Why this entry may not be imported without force, or null when it may. Pure. */
export function refuseEntry(entry: BlocklistEntry, ownAddresses: readonly IpAddress[]): RefusedEntry | null {
  const first = ordinal(entry.first)
  const last = ordinal(entry.last)
  const refused = (reason: EntryRefusal, message: string): RefusedEntry => ({
    range: rangeText(entry),
    label: entry.label,
    reason,
    message,
  })
  const width = last - first + 1n
  // IPv4 lives inside the IPv6 line (::ffff:0:0/96), so an IPv6 range can cover IPv4 too.
  const ipv4Width =
    last < IPV4_FIRST || first > IPV4_LAST
      ? 0n
      : (last < IPV4_LAST ? last : IPV4_LAST) - (first > IPV4_FIRST ? first : IPV4_FIRST) + 1n
  if (ipv4Width > IPV4_LIMIT)
    return refused('too-wide', `covers ${ipv4Width} IPv4 addresses, more than a /${MAX_IPV4_PREFIX_WIDTH}`)
  if (entry.first.family === 6 && width > IPV6_LIMIT)
    return refused('too-wide', `covers more IPv6 addresses than a /${MAX_IPV6_PREFIX_WIDTH}`)
  for (const loopback of LOOPBACK) {
    if (first <= loopback.last && last >= loopback.first)
      return refused('loopback', `covers loopback addresses (${loopback.name})`)
  }
  for (const own of ownAddresses) {
    const point = ordinal(own)
    if (first <= point && point <= last)
      return refused('own-address', `covers ${formatIp(own)}, an address of this machine`)
  }
  return null
}

export interface ImportOptions {
  /** Names the list in the audit log (a file name, a subscription's URL). */
  subject: string
  /** Import entries refuseEntry() refuses too. */
  force?: boolean
  /** Extra audit details (e.g. `via: 'ui'`). */
  details?: Record<string, unknown>
  /** Default: machineAddresses(). */
  ownAddresses?: readonly IpAddress[]
}

export interface ImportSummary {
  /** The new bans. */
  added: Ban[]
  /** Entries already covered by an active ban. */
  alreadyBanned: number
  allowed: number
  malformedLines: number
  malformed: MalformedLine[]
  /** How many entries were refused in all; the first MAX_REFUSED_KEPT are in `refused`. */
  refusedCount: number
  refused: RefusedEntry[]
}

/**
 * Parse a blocklist file's bytes (gzip allowed) and ban its entries. Throws VouchError('bad-input')
 * when nothing in it could be imported: no valid line, or every entry refused.
 */
export function importBlocklist(
  store: ReputationStore,
  bytes: Uint8Array,
  options: ImportOptions,
): ImportSummary {
  const parsed = parseBlocklist(blocklistText(bytes))
  const own = options.ownAddresses ?? machineAddresses()
  const accepted: BlocklistEntry[] = []
  const refused: RefusedEntry[] = []
  let refusedCount = 0
  for (const entry of parsed.entries) {
    const refusal = options.force ? null : refuseEntry(entry, own)
    if (!refusal) {
      accepted.push(entry)
      continue
    }
    refusedCount++
    if (refused.length < MAX_REFUSED_KEPT) refused.push(refusal)
  }
  if (accepted.length === 0 && (parsed.malformedLines > 0 || refusedCount > 0)) {
    const listed = [
      ...parsed.malformed
        .slice(0, ERROR_LINES_SHOWN)
        .map((bad) => `  line ${bad.line}: ${bad.reason}: ${bad.text}`),
      ...refused.slice(0, ERROR_LINES_SHOWN).map((entry) => `  ${entry.range}: ${entry.message}`),
    ]
    const summary =
      refusedCount === 0
        ? `no valid entries; ${plural(parsed.malformedLines, 'malformed line')}`
        : `nothing to import; ${plural(refusedCount, 'entry', 'entries')} refused (${refused[0]?.message ?? ''}; --force imports them)${parsed.malformedLines ? `, ${plural(parsed.malformedLines, 'malformed line')}` : ''}`
    throw new VouchError('bad-input', [`${options.subject}: ${summary}`, ...listed].join('\n'), {
      file: options.subject,
      malformedLines: parsed.malformedLines,
      malformed: parsed.malformed,
      refusedCount,
      refused,
    })
  }
  const added = store.importBans(accepted, {
    subject: options.subject,
    details: {
      ...options.details,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      entries: parsed.entries.length,
      malformedLines: parsed.malformedLines,
      allowed: parsed.allowed,
      refused: refusedCount,
      forced: options.force === true,
    },
  })
  return {
    added,
    alreadyBanned: accepted.length - added.length,
    allowed: parsed.allowed,
    malformedLines: parsed.malformedLines,
    malformed: parsed.malformed,
    refusedCount,
    refused,
  }
}

/** `1 ban`, `2 bans`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
