/**
 * What a refusal looks like to the UI: the refusal dialog's fields from the engine's
 * VouchError('refused') or the gate's threshold counts, and the envelopes found in what the user
 * pasted. Pure functions over the provenance layer's shapes, apart from the service that wires them.
 */
import { VouchError } from '../errors.ts'
import { envelopesFromMagnet, parseSidecar } from '../provenance/carriers.ts'
import type { EnvelopeCandidate } from '../provenance/torrent.ts'
import type { Refusal } from './contract.ts'

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/** The refusal the UI shows, from the engine's VouchError('refused') and its details. */
export function refusalFrom(error: VouchError, source: string, infoHash: string | null): Refusal {
  const details = error.details
  const fingerprint = text(details.fingerprint)
  const publicKey = text(details.publicKey)
  return {
    code: text(details.code) ?? 'refused',
    reason: error.message,
    source,
    infoHash,
    publisher:
      fingerprint && publicKey ? { fingerprint, publicKey, name: text(details.publisherName) } : null,
    ...thresholdOf(details.threshold),
  }
}

/** The `below-threshold` counts a refusal carries (provenance/groups.ts ThresholdCount), if any. */
export function thresholdOf(value: unknown): Pick<Refusal, 'threshold'> {
  const count = value as Refusal['threshold']
  return typeof count?.signed === 'number' && typeof count.required === 'number'
    ? { threshold: { group: count.group, signed: count.signed, required: count.required, keys: count.keys } }
    : {}
}

/** Envelopes in what the user pasted or uploaded: a magnet's `x.vouch` parameters, or sidecar text. */
export function envelopesInText(text: string): EnvelopeCandidate[] {
  const trimmed = text.trim()
  const candidates = /^magnet:/i.test(trimmed) ? envelopesFromMagnet(trimmed) : parseSidecar(trimmed)
  if (candidates.length === 0)
    throw new VouchError('bad-input', 'no envelope found: paste a sidecar (.vouch) file or a signed magnet')
  const broken = candidates.filter((candidate) => !candidate.ok)
  if (broken.length === candidates.length) {
    const first = broken[0]
    throw new VouchError(
      'bad-input',
      `malformed envelope: ${first && !first.ok ? first.error : 'unreadable'}`,
    )
  }
  return candidates
}
