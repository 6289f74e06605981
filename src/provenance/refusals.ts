/** How the gate words a refusal for the user: the reason, a hint, and the key it names. */
import { fingerprintOf, formatPublicKey } from './keys.ts'
import type { Decision } from './policy.ts'
import type { EnvelopeCandidate } from './torrent.ts'
import type { ThresholdCount } from './groups.ts'

export interface ProvenanceRefusal {
  infoHash: string
  reason: Extract<Decision, { accepted: false }>['reason']
  fingerprint: string | null
  /** The signing key (`vouch-ed25519 …`) when an envelope carried it. */
  publicKey: string | null
  message: string
  /** The policy's sentence alone, without the infohash prefix of `message`. */
  detail: string
  /** With `below-threshold`: how many keys of the group signed, of how many. */
  threshold?: ThresholdCount
}

export interface RefusedAdmission {
  admitted: false
  code: string
  reason: string
  details: Record<string, unknown>
}

/** The signing key (`vouch-ed25519 …`) of the envelope with this fingerprint, if one carried it. */
export function publicKeyOf(
  envelopes: readonly EnvelopeCandidate[],
  fingerprint: string | null,
): string | null {
  if (!fingerprint) return null
  for (const candidate of envelopes) {
    if (candidate.ok && fingerprintOf(candidate.envelope.publicKey) === fingerprint)
      return formatPublicKey(candidate.envelope.publicKey)
  }
  return null
}

/** What to run to pin the publisher of a refused envelope. */
export function trustAdvice(publicKey: string): string {
  return `to trust this publisher: vouch trust add '${publicKey}' --name LABEL`
}

/**
 * An add refused: the policy's sentence, then `hint` or, by default, what the user can do about
 * it (pin the key, or pass --allow-unsigned).
 */
export function refusedAdmission(
  infoHash: string,
  decision: Extract<Decision, { accepted: false }>,
  envelopes: readonly EnvelopeCandidate[],
  hint?: string,
): RefusedAdmission {
  const publicKey = publicKeyOf(envelopes, decision.fingerprint)
  const advice =
    hint ??
    (decision.reason === 'unknown-publisher' && publicKey
      ? trustAdvice(publicKey)
      : decision.reason === 'unsigned'
        ? 'pass --allow-unsigned to download it anyway'
        : '')
  return {
    admitted: false,
    code: decision.reason,
    reason: `refused ${infoHash}: ${decision.message}${advice ? `; ${advice}` : ''}`,
    details: {
      reason: decision.reason,
      fingerprint: decision.fingerprint,
      infoHash,
      ...(publicKey ? { publicKey } : {}),
      ...(decision.threshold ? { threshold: decision.threshold } : {}),
    },
  }
}

/** A torrent WebTorrent already runs, refused `when` (on its metadata, after a trust change). */
export function runningRefusal(
  infoHash: string,
  decision: Extract<Decision, { accepted: false }>,
  envelopes: readonly EnvelopeCandidate[],
  when: string,
): ProvenanceRefusal {
  return {
    infoHash,
    reason: decision.reason,
    fingerprint: decision.fingerprint,
    publicKey: publicKeyOf(envelopes, decision.fingerprint),
    message: `refused ${infoHash} ${when}: ${decision.message}`,
    detail: decision.message,
    ...(decision.threshold ? { threshold: decision.threshold } : {}),
  }
}
