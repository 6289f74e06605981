/**
 * What a pinned key is now, as `vouch trust list` and the Trust screen show it. A revoked key is
 * refused forever, so revocation wins; a rotated key (rotation.ts) is next, since its pin moved to
 * another key whatever its own expiry says; then an expiry that has passed.
 */
import type { PinnedPublisher } from './trust-file.ts'

export type PublisherStatus = 'pinned' | 'expired' | 'revoked' | 'rotated'

export function publisherStatus(publisher: PinnedPublisher, now = Date.now()): PublisherStatus {
  if (publisher.revokedAt) return 'revoked'
  if (publisher.rotatedTo) return 'rotated'
  if (publisher.expires && Date.parse(publisher.expires) <= now) return 'expired'
  return 'pinned'
}

/** The status for people: `rotated → 1a2b-3c4d-5e6f-7a8b` names the key the pin moved to. */
export function publisherStatusText(publisher: PinnedPublisher, now = Date.now()): string {
  const status = publisherStatus(publisher, now)
  return status === 'rotated' ? `rotated → ${publisher.rotatedTo ?? '?'}` : status
}
