/**
 * Adding a threshold group to the trust file (groups.ts says what a group means to the gate). The
 * request is checked before the trust file is locked; the change is applied inside TrustStore's
 * locked update, so a refused group pins none of its keys.
 */
import { VouchError } from '../errors.ts'
import { formatPublicKey, type PublisherKey } from './keys.ts'
import type { PinnedGroup, TrustFile } from './trust-file.ts'

const MAX_GROUP_KEYS = 16
/** The group's name becomes the pinned name of keys not pinned before: the trust store's label limit. */
const MAX_GROUP_NAME = 200

export interface GroupRequest {
  name: string
  threshold: number
  keys: readonly PublisherKey[]
  members: string[]
}

/** Check a group's name, keys (2 to 16, each once) and threshold (1 to n); errors name what is wrong. */
export function checkedGroup(name: string, threshold: number, keys: readonly PublisherKey[]): GroupRequest {
  const label = name.trim()
  if (label === '' || label.length > MAX_GROUP_NAME)
    throw new VouchError('usage', `the group name must be 1 to ${MAX_GROUP_NAME} characters`)
  const members = [...new Set(keys.map((key) => key.fingerprint))]
  if (members.length !== keys.length) {
    const twice = keys.find((key, index) => members.indexOf(key.fingerprint) !== index)
    throw new VouchError('usage', `key ${twice?.fingerprint ?? ''} is listed twice: each key counts once`)
  }
  if (members.length < 2 || members.length > MAX_GROUP_KEYS)
    throw new VouchError('usage', `a group has 2 to ${MAX_GROUP_KEYS} keys, not ${members.length}`)
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > members.length)
    throw new VouchError(
      'usage',
      `the threshold must be a whole number from 1 to ${members.length} (the number of keys), not ${threshold}`,
    )
  return { name: label, threshold, keys, members }
}

/**
 * Pin the group: keys not pinned yet are pinned under its name, keys already pinned keep their
 * name, scope and expiry; a revoked or rotated key refuses the whole group. A group of the same
 * name is replaced.
 */
export function applyGroup(file: TrustFile, request: GroupRequest, now: Date): PinnedGroup {
  const at = now.toISOString()
  for (const key of request.keys) {
    const existing = file.publishers.find((publisher) => publisher.fingerprint === key.fingerprint)
    if (existing?.revokedAt)
      throw new VouchError('refused', `key ${key.fingerprint} (${existing.name}) is revoked`, {
        fingerprint: key.fingerprint,
      })
    if (existing?.rotatedTo)
      throw new VouchError(
        'refused',
        `key ${key.fingerprint} (${existing.name}) was rotated to ${existing.rotatedTo}: add that key instead`,
        { fingerprint: key.fingerprint },
      )
    if (!existing)
      file.publishers.push({
        fingerprint: key.fingerprint,
        publicKey: formatPublicKey(key.publicKey),
        name: request.name,
        pinnedAt: at,
        expires: null,
        scope: null,
        revokedAt: null,
      })
  }
  const group: PinnedGroup = {
    name: request.name,
    threshold: request.threshold,
    members: request.members,
    createdAt: at,
  }
  file.groups = [...file.groups.filter((existing) => existing.name !== request.name), group]
  return group
}
