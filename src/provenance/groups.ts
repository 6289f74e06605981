/**
 * Threshold trust (docs/formats.md, "Publisher groups"): a pinned publisher may be a group of n
 * keys with a threshold k. A torrent signed by keys of the group is accepted only when k distinct
 * keys of the group each gave an envelope the gate accepted; each key counts once. With fewer, the
 * group's signers are refused with `below-threshold`, saying how many of how many signed, so no
 * single stolen key can publish a release.
 */
import type { AcceptedSigner } from './policy.ts'

export interface TrustGroup {
  name: string
  threshold: number
  /** Fingerprints of the group's keys (each also pinned as a publisher). */
  members: readonly string[]
}

export interface ThresholdShortfall {
  group: TrustGroup
  signed: number
  /** The group's signers that did not reach the threshold, left out of the acceptance. */
  fingerprints: string[]
}

/**
 * The group seat a key holds: a key rotated away (rotation.ts) keeps the seat of the key it was
 * handed to, so its envelopes from before the rotation still need the group's threshold, and it
 * and its successor together count once. `rotatedTo` maps a fingerprint to its successor's.
 */
export function seatOf(fingerprint: string, rotatedTo: ReadonlyMap<string, string>): string {
  let seat = fingerprint
  // A chain longer than the map would be a cycle (a hand-edited trust.json): stop there.
  for (let step = 0; step < rotatedTo.size; step++) {
    const next = rotatedTo.get(seat)
    if (next === undefined) break
    seat = next
  }
  return seat
}

/**
 * Split accepted signers into those that stand (not in any group, or in a group that reached its
 * threshold) and the groups that fell short. `signers` holds each fingerprint at most once; each
 * counts for the seat it holds (seatOf), and each seat counts once.
 */
export function applyThresholds(
  signers: readonly AcceptedSigner[],
  groups: readonly TrustGroup[],
  rotatedTo: ReadonlyMap<string, string> = new Map(),
): { standing: AcceptedSigner[]; shortfalls: ThresholdShortfall[] } {
  const shortfalls: ThresholdShortfall[] = []
  const short = new Set<string>()
  for (const group of groups) {
    const members = new Set(group.members)
    const signed = signers.filter((signer) => members.has(seatOf(signer.fingerprint, rotatedTo)))
    const seats = new Set(signed.map((signer) => seatOf(signer.fingerprint, rotatedTo))).size
    if (signed.length === 0 || seats >= group.threshold) continue
    shortfalls.push({
      group,
      signed: seats,
      fingerprints: signed.map((signer) => signer.fingerprint),
    })
    for (const signer of signed) short.add(signer.fingerprint)
  }
  return { standing: signers.filter((signer) => !short.has(signer.fingerprint)), shortfalls }
}

/** How far a group fell short, as data for the refusal dialog: `signed` of `keys`, `required` needed. */
export interface ThresholdCount {
  group: string
  /** Distinct keys of the group whose envelopes were valid. */
  signed: number
  /** The group's threshold k. */
  required: number
  /** The group's size n. */
  keys: number
}

export function thresholdCount(shortfall: ThresholdShortfall): ThresholdCount {
  const { group, signed } = shortfall
  return { group: group.name, signed, required: group.threshold, keys: group.members.length }
}

export function shortfallMessage(shortfall: ThresholdShortfall): string {
  const { group, signed } = shortfall
  return `${signed} of ${group.members.length} keys of group '${group.name}' signed (${shortfall.fingerprints.join(', ')}); ${group.threshold} are needed`
}

/** The groups a key belongs to. */
export function groupsOf(fingerprint: string, groups: readonly TrustGroup[]): TrustGroup[] {
  return groups.filter((group) => group.members.includes(fingerprint))
}
