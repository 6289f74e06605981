/**
 * The contract's trust store: pinned (revoked, rotated) publisher keys, threshold groups over
 * them, and a rotation statement read before it is applied. Part of src/api/contract.ts, which
 * re-exports all of it.
 */
import { z } from 'zod'

/** A pinned (or revoked) publisher key in the trust store. */
export const PublisherViewSchema = z.object({
  fingerprint: z.string(),
  /** `vouch-ed25519 <base64url>` */
  publicKey: z.string(),
  name: z.string(),
  /** ISO 8601 */
  pinnedAt: z.string(),
  expires: z.string().nullable(),
  /** Glob of torrent names the key may sign; null = any. */
  scope: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** `rotated`: the pin was handed to the key `rotatedTo` (a rotation statement signed by this one). */
  status: z.enum(['pinned', 'expired', 'revoked', 'rotated']),
  /** Fingerprint of the key this one was rotated to; null unless rotated. */
  rotatedTo: z.string().nullable(),
  /** ISO 8601; null unless rotated. */
  rotatedAt: z.string().nullable(),
})

/** A threshold group: a release from it needs `threshold` distinct keys of `members`. */
export const TrustGroupViewSchema = z.object({
  name: z.string(),
  threshold: z.number().int().positive(),
  /** Fingerprints of the group's keys, each also listed in `publishers`. */
  members: z.array(z.string()),
  /** ISO 8601 */
  createdAt: z.string(),
})

/** A rotation statement read before applying it: who hands the pin to whom. */
export const RotationPreviewSchema = z.object({
  oldFingerprint: z.string(),
  newFingerprint: z.string(),
  /** The pinned name that moves to the new key. */
  name: z.string(),
  /** ISO 8601: when the publisher signed the statement. */
  created: z.string(),
  /** Fingerprints of the statement's signers (valid or not; applying checks them). */
  signers: z.array(z.string()),
})

export type PublisherView = z.output<typeof PublisherViewSchema>
export type TrustGroupView = z.output<typeof TrustGroupViewSchema>
export type RotationPreview = z.output<typeof RotationPreviewSchema>
