/**
 * The gate's decision: a pure function from (metadata facts, envelopes, trust view, time) to
 * "accepted by these publishers" or "refused for exactly one reason".
 */
import { assertNever } from '../errors.ts'
import { verifyEnvelopeSignature, type Envelope } from './envelope.ts'
import {
  applyThresholds,
  shortfallMessage,
  thresholdCount,
  type ThresholdCount,
  type TrustGroup,
} from './groups.ts'
import { fingerprintOf, sameBytes } from './keys.ts'
import type { EnvelopeCandidate, TorrentFacts } from './torrent.ts'

/** Every refusal reason, with what it means. Ordered from most to least serious. */
export const REFUSAL_REASONS = {
  /** An envelope's signed fields do not match the metadata: moved from another torrent, or re-encoded. */
  mismatch: 'the envelope was signed for different metadata',
  /** The signature does not verify under the key in the envelope: forged or tampered. */
  'bad-signature': 'the signature does not verify',
  /** The publisher's key was revoked by the user; it is refused forever. */
  revoked: 'the publisher key was revoked',
  /** Keys of a threshold group signed, but fewer distinct ones than the group's threshold. */
  'below-threshold': 'too few keys of the publisher group signed',
  /** The sequence number is lower than one already accepted from this publisher. */
  'rolled-back': 'a newer release from this publisher was already accepted',
  /** The envelope's own expiry has passed. */
  expired: 'the signature has expired',
  /** The user pinned the key with an expiry that has passed. */
  'key-expired': 'the pinned key has expired',
  /** The torrent's name is outside the pattern the key was pinned for. */
  'out-of-scope': 'the publisher is not trusted for this name',
  /** The envelope is signed, but by a key the user has not pinned. */
  'unknown-publisher': 'the publisher is not pinned',
  /** An envelope or the torrent could not be read. */
  malformed: 'the envelope or torrent is malformed',
  /** No envelope at all. */
  unsigned: 'the torrent is not signed',
} as const

export type RefusalReason = keyof typeof REFUSAL_REASONS
export const REFUSAL_ORDER = Object.keys(REFUSAL_REASONS) as RefusalReason[]

/** Reasons that show forgery or tampering: `vouch verify` exits 4 ("invalid") for these. */
export function isIntegrityFailure(reason: RefusalReason): boolean {
  switch (reason) {
    case 'mismatch':
    case 'bad-signature':
    case 'malformed':
      return true
    case 'revoked':
    case 'below-threshold':
    case 'rolled-back':
    case 'expired':
    case 'key-expired':
    case 'out-of-scope':
    case 'unknown-publisher':
    case 'unsigned':
      return false
    default:
      return assertNever(reason, 'refusal reason')
  }
}

/**
 * Reasons `--allow-unsigned` may override: the torrent is then treated as if it carried no
 * envelope. Evidence of tampering and revoked keys are never overridden.
 */
export function isOverridable(reason: RefusalReason): boolean {
  return (
    reason !== 'mismatch' &&
    reason !== 'bad-signature' &&
    reason !== 'revoked' &&
    reason !== 'below-threshold'
  )
}

/** A pinned key as the policy sees it (times in ms since 1970). */
export interface TrustedPublisher {
  fingerprint: string
  name: string
  publicKey: Uint8Array
  expiresAt: number | null
  /** Glob over the torrent name: `*` any run of characters, `?` one character. */
  scope: string | null
  revokedAt: number | null
  /** The pin was handed to `rotatedTo` at this time (ms): envelopes created since are refused. */
  rotatedAt?: number
  rotatedTo?: string
}

export interface SequenceRecord {
  sequence: number
  infoHash: string
}

/**
 * Rollback counters are scoped per key and torrent name (trust.json version 2), so one publisher's
 * products are numbered independently.
 */
export function sequenceKey(fingerprint: string, name: string): string {
  return `${fingerprint}\u0000${name}`
}

export interface TrustView {
  publishers: readonly TrustedPublisher[]
  /** Highest sequence accepted per publisher fingerprint and torrent name (sequenceKey). */
  sequences: ReadonlyMap<string, SequenceRecord>
  /** Threshold groups (groups.ts); none when absent. */
  groups?: readonly TrustGroup[]
}

export interface AcceptedSigner {
  fingerprint: string
  name: string
  sequence: number | undefined
  envelope: Envelope
}

export type Decision =
  | { accepted: true; signers: AcceptedSigner[]; fingerprint: string; name: string }
  | {
      accepted: false
      reason: RefusalReason
      fingerprint: string | null
      message: string
      /** With `below-threshold`: how many keys of the group signed, of how many, and how many must. */
      threshold?: ThresholdCount
    }

export interface GateInput {
  /** The metadata at hand. For a magnet before its metadata arrives only the infohash is known. */
  facts: Pick<TorrentFacts, 'infoHash'> & Partial<TorrentFacts>
  envelopes: readonly EnvelopeCandidate[]
  trust: TrustView
  /** ms since 1970 */
  now: number
  /** Set when the torrent itself could not be read strictly. */
  torrentError?: string | undefined
}

type Outcome = { accepted: AcceptedSigner } | { refused: Extract<Decision, { accepted: false }> }

function refuse(reason: RefusalReason, fingerprint: string | null, detail: string): Outcome {
  return {
    refused: { accepted: false, reason, fingerprint, message: `${REFUSAL_REASONS[reason]}: ${detail}` },
  }
}

/**
 * Glob match over code points: `*` any run (newlines too), `?` one, anything else itself, case
 * sensitive. Iterative, at most O(pattern × name) steps: a regular expression built from the
 * pattern backtracks exponentially in the number of `*`, so a pinned publisher's crafted name
 * could stall the gate for minutes.
 */
export function scopeMatches(pattern: string, name: string): boolean {
  const glob = [...pattern]
  const text = [...name]
  let g = 0
  let t = 0
  // Where the last `*` was, and how much of the text it has swallowed so far.
  let star = -1
  let starText = 0
  while (t < text.length) {
    const token = glob[g]
    if (token === '*') {
      star = g++
      starText = t
    } else if (token !== undefined && (token === '?' || token === text[t])) {
      g++
      t++
    } else if (star >= 0) {
      g = star + 1
      t = ++starText
    } else return false
  }
  while (glob[g] === '*') g++
  return g === glob.length
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

export function nameText(name: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(name)
}

function judge(envelope: Envelope, input: GateInput): Outcome {
  const fingerprint = fingerprintOf(envelope.publicKey)
  const { facts, trust, now } = input
  if (!verifyEnvelopeSignature(envelope)) return refuse('bad-signature', fingerprint, `key ${fingerprint}`)
  if (hex(envelope.infoHash) !== facts.infoHash.toLowerCase())
    return refuse('mismatch', fingerprint, `infohash ${hex(envelope.infoHash)} ≠ ${facts.infoHash}`)
  if (facts.infoSha256 && !sameBytes(envelope.infoSha256, facts.infoSha256))
    return refuse('mismatch', fingerprint, 'SHA-256 of the info dictionary differs')
  if (facts.name && !sameBytes(envelope.name, facts.name))
    return refuse('mismatch', fingerprint, `name '${nameText(envelope.name)}' ≠ '${nameText(facts.name)}'`)
  if (facts.length !== undefined && envelope.length !== facts.length)
    return refuse('mismatch', fingerprint, `length ${envelope.length} ≠ ${facts.length}`)
  if (
    envelope.sourcesSha256 &&
    facts.sourcesSha256 &&
    !sameBytes(envelope.sourcesSha256, facts.sourcesSha256)
  )
    return refuse(
      'mismatch',
      fingerprint,
      'the tracker or web-seed list (announce, announce-list, url-list) is not the signed one',
    )
  const publisher = trust.publishers.find((candidate) => sameBytes(candidate.publicKey, envelope.publicKey))
  if (!publisher) return refuse('unknown-publisher', fingerprint, `key ${fingerprint} is not pinned`)
  const who = `${publisher.name} (${fingerprint})`
  if (publisher.revokedAt !== null)
    return refuse('revoked', fingerprint, `${who} was revoked ${new Date(publisher.revokedAt).toISOString()}`)
  if (publisher.rotatedAt !== undefined && envelope.created * 1000 >= publisher.rotatedAt)
    return refuse(
      'revoked',
      fingerprint,
      `${who} was rotated to ${publisher.rotatedTo ?? '?'} on ${new Date(publisher.rotatedAt).toISOString()}`,
    )
  if (publisher.expiresAt !== null && now >= publisher.expiresAt)
    return refuse(
      'key-expired',
      fingerprint,
      `${who} was pinned until ${new Date(publisher.expiresAt).toISOString()}`,
    )
  if (envelope.expires !== undefined && now >= envelope.expires * 1000)
    return refuse(
      'expired',
      fingerprint,
      `signed by ${who}, valid until ${new Date(envelope.expires * 1000).toISOString()}`,
    )
  if (publisher.scope !== null && !scopeMatches(publisher.scope, nameText(envelope.name)))
    return refuse('out-of-scope', fingerprint, `${who} is pinned for '${publisher.scope}' only`)
  const record = trust.sequences.get(sequenceKey(fingerprint, nameText(envelope.name)))
  if (record) {
    const infoHash = hex(envelope.infoHash)
    if (envelope.sequence === undefined)
      return refuse(
        'rolled-back',
        fingerprint,
        `${who} numbers releases of '${nameText(envelope.name)}' (last ${record.sequence}); this one has no sequence`,
      )
    if (
      envelope.sequence < record.sequence ||
      (envelope.sequence === record.sequence && record.infoHash !== infoHash)
    )
      return refuse(
        'rolled-back',
        fingerprint,
        `sequence ${envelope.sequence} of '${nameText(envelope.name)}' from ${who}, already at ${record.sequence}`,
      )
  }
  return { accepted: { fingerprint, name: publisher.name, sequence: envelope.sequence, envelope } }
}

/**
 * Decide. Accepted when at least one envelope is from a pinned, valid publisher and binds this
 * metadata (co-signers need not all be pinned), and keys of a threshold group count only once k
 * distinct keys of that group signed. Otherwise refused with the most serious reason
 * any envelope gave, in REFUSAL_ORDER.
 */
export function decide(input: GateInput): Decision {
  if (input.torrentError !== undefined)
    return {
      accepted: false,
      reason: 'malformed',
      fingerprint: null,
      message: `${REFUSAL_REASONS.malformed}: ${input.torrentError}`,
    }
  if (input.envelopes.length === 0)
    return {
      accepted: false,
      reason: 'unsigned',
      fingerprint: null,
      message: `${REFUSAL_REASONS.unsigned}: no envelope in any carrier`,
    }
  const signers: AcceptedSigner[] = []
  const refusals: Extract<Decision, { accepted: false }>[] = []
  for (const candidate of input.envelopes) {
    if (!candidate.ok) {
      refusals.push({
        accepted: false,
        reason: 'malformed',
        fingerprint: null,
        message: `${REFUSAL_REASONS.malformed}: ${candidate.carrier} envelope: ${candidate.error}`,
      })
      continue
    }
    const outcome = judge(candidate.envelope, input)
    if ('accepted' in outcome) {
      if (!signers.some((signer) => signer.fingerprint === outcome.accepted.fingerprint))
        signers.push(outcome.accepted)
    } else refusals.push(outcome.refused)
  }
  const rotatedTo = new Map(
    input.trust.publishers.flatMap((publisher): [string, string][] =>
      publisher.rotatedTo ? [[publisher.fingerprint, publisher.rotatedTo]] : [],
    ),
  )
  const { standing, shortfalls } = applyThresholds(signers, input.trust.groups ?? [], rotatedTo)
  for (const shortfall of shortfalls)
    refusals.push({
      accepted: false,
      reason: 'below-threshold',
      fingerprint: shortfall.fingerprints[0] ?? null,
      message: `${REFUSAL_REASONS['below-threshold']}: ${shortfallMessage(shortfall)}`,
      threshold: thresholdCount(shortfall),
    })
  const first = standing[0]
  if (first) return { accepted: true, signers: standing, fingerprint: first.fingerprint, name: first.name }
  refusals.sort((a, b) => REFUSAL_ORDER.indexOf(a.reason) - REFUSAL_ORDER.indexOf(b.reason))
  return refusals[0] as Extract<Decision, { accepted: false }>
}
