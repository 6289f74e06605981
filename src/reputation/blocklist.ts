/**
 * Reading blocklists for `vouch bans import`: PeerGuardian P2P (`label:first-last`), eMule DAT
 * (`first - last , level , label`, octets often zero-padded), CIDR blocks, plain ranges and plain
 * addresses, IPv4 and IPv6, optionally gzip-compressed. One line is one entry; a malformed line is
 * reported with its number and the rest still import.
 */
import { gunzipSync } from 'node:zlib'
import { VouchError } from '../errors.ts'
import { parseCidr, parseIp, type IpAddress } from './ip.ts'
import type { BlocklistEntry } from './store.ts'

/** Longer lines are malformed (no real entry comes close); bounds the work one line can cause. */
export const MAX_LINE_LENGTH = 1024
/** A gzip file may not inflate beyond this. */
export const MAX_BLOCKLIST_BYTES = 256 * 1024 * 1024
/**
 * Most lines read from one list (real ones, e.g. level1, have under a million). Without it a small
 * gzip file inflating to millions of lines would exhaust memory in the entries it yields.
 */
export const MAX_BLOCKLIST_LINES = 2_000_000
/** Malformed lines kept with their text; beyond these they are only counted. */
export const MAX_MALFORMED_KEPT = 1000
/** eMule and qBittorrent block DAT entries whose access level is at most this. */
export const DAT_BLOCK_LEVEL = 127

export interface MalformedLine {
  /** 1-based */
  line: number
  text: string
  reason: string
}

export interface ParsedBlocklist {
  entries: BlocklistEntry[]
  /** The first MAX_MALFORMED_KEPT malformed lines. */
  malformed: MalformedLine[]
  /** How many lines were malformed in all. */
  malformedLines: number
  /** DAT entries with an access level above 127: listed as allowed, so not banned. */
  allowed: number
  lines: number
}

const ADDRESS_CHARS = '[0-9A-Fa-f:.]+'
const PLAIN_RANGE = new RegExp(`^(${ADDRESS_CHARS})\\s*-\\s*(${ADDRESS_CHARS})$`)
const DAT_LINE = new RegExp(
  `^(${ADDRESS_CHARS})\\s*-\\s*(${ADDRESS_CHARS})\\s*,\\s*(\\d{1,3})\\s*(?:,(.*))?$`,
)

type LineResult = { entry: BlocklistEntry } | { allowed: true } | { error: string }

function range(firstText: string, lastText: string, label: string): LineResult {
  const first = parseIp(firstText)
  if (!first) return { error: `'${firstText}' is not an IP address` }
  const last = parseIp(lastText)
  if (!last) return { error: `'${lastText}' is not an IP address` }
  if (first.family !== last.family) return { error: 'the range mixes IPv4 and IPv6' }
  if (first.value > last.value) return { error: 'the first address is after the last' }
  return { entry: { first, last, label } }
}

function cleanLabel(text: string): string {
  return text
    .replace(/\p{Cc}/gu, ' ')
    .trim()
    .slice(0, 200)
}

/** Parse one line that is neither blank nor a comment. */
export function parseBlocklistLine(line: string): LineResult {
  if (line.length > MAX_LINE_LENGTH) return { error: `the line is longer than ${MAX_LINE_LENGTH} characters` }
  if (line.includes('/')) {
    const block = parseCidr(line)
    return block ? { entry: { ...block, label: '' } } : { error: 'not a CIDR block (ADDRESS/PREFIX)' }
  }
  const single: IpAddress | null = parseIp(line)
  if (single) return { entry: { first: single, last: single, label: '' } }
  const plain = PLAIN_RANGE.exec(line)
  const plainResult = plain ? range(plain[1] ?? '', plain[2] ?? '', '') : null
  if (plainResult && 'entry' in plainResult) return plainResult
  const dat = DAT_LINE.exec(line)
  if (dat) {
    const level = Number(dat[3])
    if (level > 255) return { error: `access level ${level} is not 0-255` }
    const result = range(dat[1] ?? '', dat[2] ?? '', cleanLabel(dat[4] ?? ''))
    if ('entry' in result && level > DAT_BLOCK_LEVEL) return { allowed: true }
    return result
  }
  // P2P: the label may itself hold colons, so take the first split whose remainder is a range.
  for (let colon = line.indexOf(':'); colon >= 0; colon = line.indexOf(':', colon + 1)) {
    const rest = PLAIN_RANGE.exec(line.slice(colon + 1).trim())
    if (!rest) continue
    const result = range(rest[1] ?? '', rest[2] ?? '', cleanLabel(line.slice(0, colon)))
    if ('entry' in result) return result
  }
  return (
    plainResult ?? {
      error:
        'not an address, range, CIDR block, P2P (label:first-last) or DAT (first - last , level , label) line',
    }
  )
}

/** Throws VouchError('bad-input') for a list of more than MAX_BLOCKLIST_LINES lines. */
export function parseBlocklist(text: string): ParsedBlocklist {
  const result: ParsedBlocklist = { entries: [], malformed: [], malformedLines: 0, allowed: 0, lines: 0 }
  const body = text.replace(/^\uFEFF/, '')
  const lineEnd = /\r\n|\n|\r/g
  let start = 0
  // Line by line, without splitting the whole text up front.
  while (start < body.length) {
    const match = lineEnd.exec(body)
    const end = match ? match.index : body.length
    const raw = body.slice(start, end)
    start = match ? lineEnd.lastIndex : body.length
    result.lines++
    if (result.lines > MAX_BLOCKLIST_LINES)
      throw new VouchError('bad-input', `the blocklist has more than ${MAX_BLOCKLIST_LINES} lines`)
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue
    const parsed = parseBlocklistLine(line)
    if ('entry' in parsed) result.entries.push(parsed.entry)
    else if ('allowed' in parsed) result.allowed++
    else {
      result.malformedLines++
      if (result.malformed.length < MAX_MALFORMED_KEPT)
        result.malformed.push({ line: result.lines, text: raw.slice(0, 120), reason: parsed.error })
    }
  }
  return result
}

/** File bytes → text: gunzip when the gzip magic is there, then UTF-8 (bad bytes replaced). */
export function blocklistText(bytes: Uint8Array): string {
  let data = bytes
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes, { maxOutputLength: MAX_BLOCKLIST_BYTES })
    } catch (error) {
      throw new VouchError('bad-input', `cannot decompress the blocklist: ${(error as Error).message}`)
    }
  } else if (bytes.length > MAX_BLOCKLIST_BYTES) {
    throw new VouchError('bad-input', `the blocklist is larger than ${MAX_BLOCKLIST_BYTES} bytes`)
  }
  if (data.includes(0)) throw new VouchError('bad-input', 'the blocklist is binary, not text')
  return new TextDecoder('utf-8').decode(data)
}
