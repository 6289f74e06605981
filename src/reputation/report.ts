/**
 * Ban reports (docs/formats.md, "Ban reports"): JSON and CSV for people and tools, PeerGuardian
 * P2P (`label:first-last`) and eMule DAT (`first - last , level , label`) for other clients'
 * blocklists. P2P and DAT are IPv4 formats, so IPv6 bans are left out of them (and counted).
 */
import type { Ban } from '../defence/ban-store.ts'
import { banInterval } from './ban-index.ts'
import { formatIPv4, IPV4_MAPPED_PREFIX } from './ip.ts'

export const REPORT_FORMATS = ['json', 'csv', 'p2p', 'dat'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export function isReportFormat(text: string): text is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(text)
}

export interface ReportOptions {
  /** ms since epoch, written into JSON reports. */
  now: number
  /** Replace each address (json, csv only); notes are dropped too, since they may name hosts. */
  pseudonymise?: (address: string) => string
}

export interface Report {
  text: string
  /** Bans included. */
  included: number
  /** Bans the format cannot hold (IPv6 in P2P and DAT). */
  omitted: number
}

export const JSON_REPORT_FORMAT = 'vouch-bans'
const IPV4_MAPPED_HIGH = IPV4_MAPPED_PREFIX | 0xffffffffn

/** Labels already made: most bans of a store share a reason and note (a report repeats them). */
const labels = new Map<string, string>()
const LABELS_KEPT = 1024

/** The label other clients show for a ban: reason and note, without separators or line breaks. */
export function banLabel(ban: Ban): string {
  const key = `${ban.reason}\0${ban.note}`
  const known = labels.get(key)
  if (known !== undefined) return known
  const text = ban.note && ban.note !== ban.reason ? `vouch ${ban.reason} ${ban.note}` : `vouch ${ban.reason}`
  const label = text
    .replace(/[\p{Cc},:]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100)
  if (labels.size >= LABELS_KEPT) labels.clear()
  labels.set(key, label)
  return label
}

const DAY_MS = 86_400_000
const pad = (width: number, count: number) =>
  Array.from({ length: count }, (_, value) => String(value).padStart(width, '0'))
const TWO_DIGITS = pad(2, 60)
const THREE_DIGITS = pad(3, 1000)
/** The `YYYY-MM-DDT` of the UTC day last formatted: a report's bans mostly share a few days. */
let cachedDay = Number.NaN
let cachedDayPrefix = ''

/**
 * `new Date(ms).toISOString()`, its date part kept per UTC day (a `Date` per ban was a fifth of an
 * export's time). Anything but a whole number of ms in years 0000–9999 takes `toISOString` itself.
 */
export function iso(ms: number | null): string | null {
  if (ms === null) return null
  const day = Math.floor(ms / DAY_MS)
  if (day !== cachedDay || !Number.isInteger(ms)) {
    const text = new Date(ms).toISOString()
    // Years outside 0000–9999 are written with a sign and six digits: never cached.
    if (text.length === 24 && Number.isInteger(ms)) {
      cachedDay = day
      cachedDayPrefix = text.slice(0, 11)
    }
    return text
  }
  let rest = ms - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${cachedDayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`
}

export interface ReportBan {
  address: string
  rangeEnd: string | null
  reason: string
  source: string
  note: string
  createdAt: string | null
  expiresAt: string | null
  evidence: Ban['evidence']
  /** Only on bans a rule made (src/rules): which rule and what it measured. */
  rule?: NonNullable<Ban['rule']>
}

/** One ban as JSON and CSV reports hold it. */
export function reportBan(ban: Ban, options: ReportOptions): ReportBan {
  const hide = options.pseudonymise
  return {
    address: hide ? hide(ban.address) : ban.address,
    rangeEnd: ban.rangeEnd === null ? null : hide ? hide(ban.rangeEnd) : ban.rangeEnd,
    reason: ban.reason,
    source: ban.source,
    note: hide ? '' : ban.note,
    createdAt: iso(ban.createdAt),
    expiresAt: iso(ban.expiresAt),
    evidence: ban.evidence,
    ...(ban.rule ? { rule: ban.rule } : {}),
  }
}

function reportBans(bans: readonly Ban[], options: ReportOptions): ReportBan[] {
  return bans.map((ban) => reportBan(ban, options))
}

/** The JSON report as a value (signing canonicalises this value; the file is it, indented). */
export function jsonReport(bans: readonly Ban[], options: ReportOptions): Record<string, unknown> {
  return {
    format: JSON_REPORT_FORMAT,
    version: 1,
    exportedAt: iso(options.now),
    pseudonymised: options.pseudonymise !== undefined,
    bans: reportBans(bans, options),
  }
}

function csvField(value: string | null): string {
  if (value === null) return ''
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export const CSV_HEADER = 'address,range_end,reason,source,note,created_at,expires_at,evidence'

/** One CSV record, without its CRLF. */
export function csvRecord(ban: ReportBan): string {
  return [
    ban.address,
    ban.rangeEnd,
    ban.reason,
    ban.source,
    ban.note,
    ban.createdAt,
    ban.expiresAt,
    ban.evidence !== null
      ? JSON.stringify(ban.evidence)
      : ban.rule
        ? JSON.stringify({ rule: ban.rule })
        : null,
  ]
    .map(csvField)
    .join(',')
}

/** IPv4 first and last address of a ban, or null when it is IPv6 (or not an address). */
function ipv4Range(ban: Ban): { first: bigint; last: bigint } | null {
  const interval = banInterval(ban)
  if (!interval || interval.first < IPV4_MAPPED_PREFIX || interval.last > IPV4_MAPPED_HIGH) return null
  return { first: interval.first - IPV4_MAPPED_PREFIX, last: interval.last - IPV4_MAPPED_PREFIX }
}

/** Dotted IPv4 exactly as `formatIPv4` writes it (no leading zeros): such text needs no parsing. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/** Canonical dotted IPv4 with every octet three digits wide (eMule's form). */
function padded(address: string): string {
  let out = ''
  let start = 0
  for (;;) {
    const dot = address.indexOf('.', start)
    const octet = dot < 0 ? address.slice(start) : address.slice(start, dot)
    out += octet.length === 1 ? `00${octet}` : octet.length === 2 ? `0${octet}` : octet
    if (dot < 0) return out
    out += '.'
    start = dot + 1
  }
}

/** One P2P or DAT line (without its newline), or null for a ban the format cannot hold (IPv6). */
export function blocklistLine(ban: Ban, format: 'p2p' | 'dat'): string | null {
  let first: string
  let last: string
  const end = ban.rangeEnd ?? ban.address
  if (CANONICAL_IPV4.test(ban.address) && CANONICAL_IPV4.test(end)) {
    // What the ordinals would give back, without the round trip through them (the export's hot path).
    first = ban.address
    last = end
  } else {
    const range = ipv4Range(ban)
    if (!range) return null
    first = formatIPv4(range.first)
    last = formatIPv4(range.last)
  }
  return format === 'p2p'
    ? `${banLabel(ban)}:${first}-${last}`
    : `${padded(first)} - ${padded(last)} , 000 , ${banLabel(ban)}`
}

/** The whole report in memory (signing needs all of it; `report-stream.ts` writes it row by row). */
export function buildReport(bans: readonly Ban[], format: ReportFormat, options: ReportOptions): Report {
  switch (format) {
    case 'json':
      return {
        text: `${JSON.stringify(jsonReport(bans, options), null, 2)}\n`,
        included: bans.length,
        omitted: 0,
      }
    case 'csv': {
      const rows = reportBans(bans, options).map(csvRecord)
      return { text: [CSV_HEADER, ...rows, ''].join('\r\n'), included: bans.length, omitted: 0 }
    }
    case 'p2p':
    case 'dat': {
      const lines: string[] = []
      let omitted = 0
      for (const ban of bans) {
        const line = blocklistLine(ban, format)
        if (line === null) omitted++
        else lines.push(line)
      }
      return { text: lines.map((line) => `${line}\n`).join(''), included: lines.length, omitted }
    }
  }
}
