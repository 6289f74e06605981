/**
 * Is a newer feed item a release this follower may start? Its value must be a release
 * (release-value.ts), the gate must accept its envelopes for its infohash, and one accepted
 * signer must be a key pinned for this feed, with the item's seq as its envelope sequence.
 */
import { decide, type AcceptedSigner, type Decision, type TrustView } from '../provenance/policy.ts'
import { fingerprintOf } from '../provenance/keys.ts'
import type { Envelope } from '../provenance/envelope.ts'
import type { MutableItem } from './bep44.ts'
import { ReleaseValueError, decodeReleaseValue, type ReleaseValue } from './release-value.ts'

export type ReleaseCheck =
  | { ok: true; release: ReleaseValue; infoHash: string; envelopes: Envelope[]; signers: AcceptedSigner[] }
  | { ok: false; reason: string; message: string; fingerprint: string | null; infoHash: string | null }

/** The keys whose envelopes count for a feed: its own key. */
export function feedSignerFingerprints(feedKey: Uint8Array): Set<string> {
  return new Set([fingerprintOf(feedKey)])
}

export function checkRelease(
  item: MutableItem,
  trust: TrustView,
  now: number,
  signers: ReadonlySet<string> = feedSignerFingerprints(item.publicKey),
): ReleaseCheck {
  let release: ReleaseValue
  try {
    release = decodeReleaseValue(item.value)
  } catch (error) {
    if (!(error instanceof ReleaseValueError)) throw error
    return { ok: false, reason: 'malformed', message: error.message, fingerprint: null, infoHash: null }
  }
  const infoHash = Buffer.from(release.infoHash).toString('hex')
  const decision: Decision = decide({
    facts: { infoHash },
    envelopes: release.envelopes.map((envelope) => ({ ok: true, envelope, carrier: 'feed' })),
    trust,
    now,
  })
  if (!decision.accepted)
    return {
      ok: false,
      reason: decision.reason,
      message: decision.message,
      fingerprint: decision.fingerprint,
      infoHash,
    }
  const forFeed = decision.signers.filter((signer) => signers.has(signer.fingerprint))
  if (forFeed.length === 0)
    return {
      ok: false,
      reason: 'not-feed-key',
      message: `the release is signed by ${decision.signers.map((signer) => signer.fingerprint).join(', ')}, none of them a key of this feed`,
      fingerprint: decision.fingerprint,
      infoHash,
    }
  if (!forFeed.some((signer) => signer.sequence === item.seq))
    return {
      ok: false,
      reason: 'sequence-mismatch',
      message: `the item's seq ${item.seq} is not the release envelope's sequence (${forFeed.map((signer) => signer.sequence ?? 'none').join(', ')})`,
      fingerprint: decision.fingerprint,
      infoHash,
    }
  return { ok: true, release, infoHash, envelopes: release.envelopes, signers: decision.signers }
}
