/**
 * Envelope carriers other than the .torrent itself (docs/formats.md, "Carriers"): a magnet
 * parameter `x.vouch` (BEP 9's experimental `x.` prefix) and a sidecar text file next to the
 * .torrent. Both hold the envelope's bencoded bytes in unpadded base64url, one envelope each.
 */
import { EnvelopeError, decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.ts'
import { MAX_ENVELOPES, type EnvelopeCandidate } from './torrent.ts'

export const MAGNET_PARAMETER = 'x.vouch'
/** The sidecar of `release.torrent` is `release.torrent.vouch`. */
export const SIDECAR_SUFFIX = '.vouch'
const SIDECAR_HEADER = '# Vouch envelopes: one base64url envelope per line (docs/formats.md)'
const BASE64URL = /^[A-Za-z0-9_-]+$/
/** base64url of MAX_ENVELOPE_BYTES, rounded up. */
const MAX_ENCODED_ENVELOPE = 11 * 1024
export const MAX_SIDECAR_BYTES = 256 * 1024

export function envelopeToText(envelope: Envelope): string {
  return Buffer.from(encodeEnvelope(envelope)).toString('base64url')
}

function envelopeFromText(text: string, carrier: string): EnvelopeCandidate {
  if (text.length > MAX_ENCODED_ENVELOPE) return { ok: false, error: 'envelope text is too long', carrier }
  if (!BASE64URL.test(text)) return { ok: false, error: 'envelope text is not base64url', carrier }
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  if (Buffer.from(bytes).toString('base64url') !== text)
    return { ok: false, error: 'envelope text is not canonical base64url', carrier }
  try {
    return { ok: true, envelope: decodeEnvelope(bytes), carrier }
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error
    return { ok: false, error: error.message, carrier }
  }
}

function capped(candidates: EnvelopeCandidate[], carrier: string): EnvelopeCandidate[] {
  if (candidates.length <= MAX_ENVELOPES) return candidates
  return [
    ...candidates.slice(0, MAX_ENVELOPES),
    { ok: false, error: `more than ${MAX_ENVELOPES} envelopes`, carrier },
  ]
}

/** The `x.vouch` parameters of a magnet link. */
export function envelopesFromMagnet(uri: string): EnvelopeCandidate[] {
  const query = uri.indexOf('?')
  if (query < 0) return []
  const values = new URLSearchParams(uri.slice(query + 1)).getAll(MAGNET_PARAMETER)
  return capped(
    values.slice(0, MAX_ENVELOPES + 1).map((value) => envelopeFromText(value, 'magnet')),
    'magnet',
  )
}

export interface MagnetFields {
  infoHash: string
  name?: string | undefined
  trackers?: readonly string[] | undefined
  webSeeds?: readonly string[] | undefined
}

/** A magnet link carrying `envelopes`, e.g. for `vouch magnet FILE.torrent`. */
export function magnetWithEnvelopes(fields: MagnetFields, envelopes: readonly Envelope[]): string {
  const parts = [`xt=urn:btih:${fields.infoHash.toLowerCase()}`]
  if (fields.name) parts.push(`dn=${encodeURIComponent(fields.name)}`)
  for (const tracker of fields.trackers ?? []) parts.push(`tr=${encodeURIComponent(tracker)}`)
  for (const seed of fields.webSeeds ?? []) parts.push(`ws=${encodeURIComponent(seed)}`)
  for (const envelope of envelopes) parts.push(`${MAGNET_PARAMETER}=${envelopeToText(envelope)}`)
  return `magnet:?${parts.join('&')}`
}

export function formatSidecar(envelopes: readonly Envelope[]): string {
  return [SIDECAR_HEADER, ...envelopes.map(envelopeToText), ''].join('\n')
}

export function parseSidecar(text: string): EnvelopeCandidate[] {
  const carrier = 'sidecar'
  if (text.length > MAX_SIDECAR_BYTES) return [{ ok: false, error: 'sidecar file is too large', carrier }]
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  return capped(
    lines.slice(0, MAX_ENVELOPES + 1).map((line) => envelopeFromText(line, carrier)),
    carrier,
  )
}
