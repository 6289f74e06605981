// What the refusal dialog says about a provenance refusal, and whether it may offer "Download anyway".
import type { Refusal } from '../../src/api/contract.ts'

/**
 * Forged or altered signatures, revoked keys, and a threshold group short of signers: no user
 * choice overrides these (docs/decisions.md, "below-threshold is never downloaded anyway").
 */
const NEVER_OVERRIDDEN = new Set(['bad-signature', 'mismatch', 'revoked', 'below-threshold'])

const REASONS: Record<string, string> = {
  unsigned: 'The torrent carries no publisher signature.',
  'unknown-publisher': 'It is signed, but by a key you have not pinned.',
  'bad-signature': 'The signature does not verify: the torrent or its signature was altered.',
  expired: 'The signature has expired.',
  'key-expired': 'The publisher key you pinned has expired.',
  revoked: 'The publisher key was revoked.',
  'out-of-scope': 'The publisher key is not allowed to sign torrents with this name.',
  'rolled-back': 'This is an older release than one already seen from this publisher.',
  mismatch: 'The signature was made for different metadata.',
  malformed: 'The signature is malformed.',
  'below-threshold': 'Too few keys of the publisher group signed it.',
}

const signatures = (count: number) => `${count} valid ${count === 1 ? 'signature' : 'signatures'}`

/** One sentence for people; for `below-threshold`, how many valid signatures of how many were required. */
export function refusalSentence(refusal: Pick<Refusal, 'code' | 'threshold'>): string {
  const count = refusal.threshold
  if (refusal.code === 'below-threshold' && count)
    return `${signatures(count.signed)} of the ${count.required} required: group '${count.group}' needs ${count.required} of its ${count.keys} keys to sign each release.`
  return REASONS[refusal.code] ?? 'The provenance policy refused this torrent.'
}

export function canDownloadAnyway(code: string): boolean {
  return !NEVER_OVERRIDDEN.has(code)
}
