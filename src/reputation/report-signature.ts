/**
 * Signed ban reports (docs/formats.md, "Ban reports"). The signed message is
 * `vouch-report-v1\0` + format + `\0` + body, so a signature can be moved neither to another
 * protocol nor to another format's reading of the same bytes.
 *
 *  - p2p, dat, csv: body = the report text; the signature is a last comment line
 *    `# vouch-signature v1 <format> ed25519 <public key hex> <signature hex>`
 *    (P2P and DAT readers skip `#` lines, so a signed blocklist still loads).
 *  - json: body = the canonical JSON (sorted keys, no whitespace) of the document without its
 *    `signature` member, which holds `{ algorithm: "ed25519", publicKey, value }` in hex.
 *
 * Keys are read with provenance's key-file readers (src/provenance/keys.ts).
 */
import {
  fingerprintOf,
  parseAnyPublicKey,
  parseSecretKeyFile,
  signBytes,
  verifyBytes,
  type SecretKey,
} from '../provenance/keys.ts'
import { canonicalJson } from './audit-chain.ts'
import type { ReportFormat } from './report.ts'

export const REPORT_DOMAIN = 'vouch-report-v1\0'
const TRAILER_PREFIX = '# vouch-signature v1 '
const TRAILER = /^# vouch-signature v1 (p2p|dat|csv) ed25519 ([0-9a-f]{64}) ([0-9a-f]{128})\r?\n?$/

export function reportMessage(format: ReportFormat, body: string): Uint8Array {
  return new TextEncoder().encode(`${REPORT_DOMAIN}${format}\0${body}`)
}

export const readSigningKey = parseSecretKeyFile
export const readVerifyingKey = parseAnyPublicKey

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** The report with its signature attached. */
export function signReport(format: ReportFormat, text: string, key: SecretKey): string {
  if (format === 'json') {
    const document = JSON.parse(text) as Record<string, unknown>
    delete document.signature
    const value = signBytes(reportMessage('json', canonicalJson(document)), key)
    const signed = {
      ...document,
      signature: { algorithm: 'ed25519', publicKey: hex(key.publicKey), value: hex(value) },
    }
    return `${JSON.stringify(signed, null, 2)}\n`
  }
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`
  const value = signBytes(reportMessage(format, body), key)
  return `${body}${TRAILER_PREFIX}${format} ed25519 ${hex(key.publicKey)} ${hex(value)}\n`
}

export type ReportCheck =
  | { ok: true; format: ReportFormat; publicKey: string }
  | { ok: false; problem: 'unsigned' | 'malformed' | 'other-key' | 'bad-signature'; message: string }

/** Check a signed report against the key the reader trusts. Never throws on malformed input. */
export function verifyReport(text: string, trustedKey: Uint8Array): ReportCheck {
  const lastLineStart = text.lastIndexOf('\n', text.length - 2) + 1
  const lastLine = text.slice(lastLineStart)
  let format: ReportFormat
  let message: Uint8Array
  let publicKey: string
  let signature: string
  if (lastLine.startsWith(TRAILER_PREFIX)) {
    const trailer = TRAILER.exec(lastLine)
    if (!trailer?.[1] || !trailer[2] || !trailer[3])
      return { ok: false, problem: 'malformed', message: 'the signature line is malformed' }
    format = trailer[1] as ReportFormat
    publicKey = trailer[2]
    signature = trailer[3]
    message = reportMessage(format, text.slice(0, lastLineStart))
  } else {
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch {
      return { ok: false, problem: 'unsigned', message: 'the report carries no signature' }
    }
    if (typeof document !== 'object' || document === null || !('signature' in document))
      return { ok: false, problem: 'unsigned', message: 'the report carries no signature' }
    const { signature: member, ...rest } = document as Record<string, unknown>
    const fields = member as { algorithm?: unknown; publicKey?: unknown; value?: unknown } | null
    if (
      fields?.algorithm !== 'ed25519' ||
      typeof fields.publicKey !== 'string' ||
      typeof fields.value !== 'string' ||
      !/^[0-9a-f]{64}$/.test(fields.publicKey) ||
      !/^[0-9a-f]{128}$/.test(fields.value)
    )
      return { ok: false, problem: 'malformed', message: 'the signature member is malformed' }
    format = 'json'
    publicKey = fields.publicKey
    signature = fields.value
    message = reportMessage('json', canonicalJson(rest))
  }
  if (publicKey !== hex(trustedKey))
    return {
      ok: false,
      problem: 'other-key',
      // People compare fingerprints (as `vouch trust list` shows them), not 64 hex digits.
      message: `the report is signed by another key (${fingerprintOf(new Uint8Array(Buffer.from(publicKey, 'hex')))})`,
    }
  if (!verifyBytes(new Uint8Array(Buffer.from(signature, 'hex')), message, trustedKey))
    return {
      ok: false,
      problem: 'bad-signature',
      message: 'the signature does not match the report: it was altered',
    }
  return { ok: true, format, publicKey }
}
