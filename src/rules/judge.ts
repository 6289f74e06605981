/**
 * What each rule concludes from what was observed of a peer. Pure functions over counters, shared
 * by the live rules (which keep the counters up to date, O(1) per wire event, see live.ts) and the
 * dry run (which reads the same counters back from the store, see dry-run.ts), so `vouch rules
 * test` answers exactly what the running rules would have done.
 */
import type { BanReason, RuleEvidence } from '../defence/ban-store.ts'
import type { ClientRule, RuleAction, Rules } from './config.ts'
import { compileLinear } from './linear-regexp.ts'

export interface Verdict {
  action: RuleAction
  reason: BanReason
  evidence: RuleEvidence
  /** One sentence for people: what the peer did. */
  note: string
}

/**
 * What was seen of one address on one torrent (the live counters, and the row the store keeps:
 * peer_observations). Counts are the highest seen on any one connection unless said otherwise.
 */
export interface PeerObservation {
  /** Address key (IPv4, or IPv6 /64). */
  address: string
  infoHash: string
  /** Peer IDs as text (see peerIdText), newest last. */
  peerIds: string[]
  clients: string[]
  torrentLength: number
  pieceLength: number
  /** Bytes we uploaded to this address for this torrent, over all its connections. */
  bytesUploaded: number
  /** Distinct peer IDs seen from this address on this torrent. */
  distinctPeerIds: number
  /** Block requests it sent us. */
  requests: number
  /** Pieces it claimed after the grace window that we had not sent it and no other connected peer had. */
  aheadPieces: number
  /** Distinct pieces it requested after claiming to have them. */
  claimedRequests: number
  /** Largest drop in claimed pieces between bitfields of the same peer ID. */
  rewindPieces: number
  /** Most open connections to this torrent from its /24 (IPv4) or /56 (IPv6) at once. */
  groupConnections: number
  /** Longest time it held a connection, able to ask, without asking. */
  idleMs: number
  firstSeen: number
  lastSeen: number
}

/** Peer IDs are bytes; rules match their text, with bytes outside printable ASCII shown as `.`. */
export function peerIdText(hexPeerId: string): string {
  const bytes = /^[0-9a-f]*$/i.test(hexPeerId) ? Buffer.from(hexPeerId, 'hex') : Buffer.from(hexPeerId)
  let text = ''
  for (const byte of bytes) text += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '.'
  return text
}

export type ClientMatcher = (field: ClientRule['field'], value: string) => Verdict | null

/** Compile the enabled client rules once; the matcher tries them in file order (first match wins). */
export function clientMatcher(rules: Rules): ClientMatcher {
  const compiled = rules.client
    .filter((rule) => rule.enabled)
    .map((rule) => {
      const fold = (text: string) => (rule.caseInsensitive ? text.toLowerCase() : text)
      const pattern = fold(rule.pattern)
      let test: (value: string) => boolean
      switch (rule.match) {
        case 'prefix':
          test = (value) => fold(value).startsWith(pattern)
          break
        case 'contains':
          test = (value) => fold(value).includes(pattern)
          break
        case 'exact':
          test = (value) => fold(value) === pattern
          break
        case 'regex': {
          const result = compileLinear(rule.pattern, rule.caseInsensitive)
          // The schema refused patterns that do not compile; one that fails here never matches.
          test = result.ok ? (value) => result.regexp.test(value) : () => false
          break
        }
      }
      return { rule, test }
    })
  return (field, value) => {
    for (const { rule, test } of compiled) {
      if (rule.field !== field || !test(value)) continue
      return {
        action: rule.action,
        reason: 'client-rule',
        evidence: {
          rule: rule.id,
          kind: 'client',
          infoHash: null,
          facts: { field, value: value.slice(0, 128), match: rule.match, pattern: rule.pattern },
        },
        note: `${field === 'peerId' ? 'peer ID' : 'client'} '${value.slice(0, 64)}' matched rule ${rule.id}${rule.note ? ` (${rule.note})` : ''}`,
      }
    }
    return null
  }
}

const MIB = 1024 * 1024

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`
}

/** Claimed-ahead pieces tolerated for this torrent (slack pieces or slack fraction, the larger). */
export function aheadSlack(
  rules: Rules['progress'],
  observation: Pick<PeerObservation, 'torrentLength' | 'pieceLength'>,
): number {
  const pieces =
    observation.pieceLength > 0 ? Math.ceil(observation.torrentLength / observation.pieceLength) : 0
  return Math.max(rules.slackPieces, Math.ceil(pieces * rules.slackFraction))
}

/** The upload budget of an address: ratio × size per distinct peer ID (NAT), at most four of them. */
export function uploadBudget(
  rules: Rules['progress'],
  observation: Pick<PeerObservation, 'torrentLength' | 'distinctPeerIds'>,
): number {
  return (
    rules.maxDownloadRatio * observation.torrentLength * Math.min(4, Math.max(1, observation.distinctPeerIds))
  )
}

export type ProgressKind = 'progress-ahead' | 'claims-then-requests' | 'progress-rewind' | 'over-download'

/** One progress check; null when it does not fire. */
export function judgeProgress(
  rules: Rules,
  kind: ProgressKind,
  observation: PeerObservation,
): Verdict | null {
  const progress = rules.progress
  if (!progress.enabled) return null
  const base = {
    uploadedBytes: observation.bytesUploaded,
    torrentBytes: observation.torrentLength,
    pieceBytes: observation.pieceLength,
  }
  const verdict = (action: RuleAction, facts: Record<string, number>, note: string): Verdict => ({
    action,
    reason: 'progress-cheat',
    evidence: { rule: 'progress', kind, infoHash: observation.infoHash, facts: { ...base, ...facts } },
    note,
  })
  switch (kind) {
    case 'progress-ahead': {
      const slack = aheadSlack(progress, observation)
      if (observation.aheadPieces <= slack) return null
      return verdict(
        progress.aheadAction,
        { aheadPieces: observation.aheadPieces, slackPieces: slack },
        `claimed ${observation.aheadPieces} pieces (${mib(observation.aheadPieces * observation.pieceLength)}) it could not have received: we uploaded ${mib(observation.bytesUploaded)} and no other connected peer had them`,
      )
    }
    case 'claims-then-requests':
      if (observation.claimedRequests < progress.claimedRequests) return null
      return verdict(
        progress.claimedRequestsAction,
        { claimedRequests: observation.claimedRequests, aheadPieces: observation.aheadPieces },
        `requested ${observation.claimedRequests} pieces it had claimed to have`,
      )
    case 'progress-rewind':
      if (observation.rewindPieces < progress.rewindPieces) return null
      return verdict(
        progress.rewindAction,
        { rewindPieces: observation.rewindPieces },
        `its progress went back by ${observation.rewindPieces} pieces under the same peer ID`,
      )
    case 'over-download': {
      const budget = uploadBudget(progress, observation)
      if (observation.torrentLength <= 0 || observation.bytesUploaded <= budget) return null
      return verdict(
        progress.overDownloadAction,
        { budgetBytes: Math.round(budget), distinctPeerIds: observation.distinctPeerIds },
        `downloaded ${mib(observation.bytesUploaded)} of a ${mib(observation.torrentLength)} torrent from us (${(observation.bytesUploaded / observation.torrentLength).toFixed(2)}×)`,
      )
    }
  }
}

export function judgeMultiDial(rules: Rules, observation: PeerObservation, group: string): Verdict | null {
  const multiDial = rules.multiDial
  if (!multiDial.enabled || observation.groupConnections <= multiDial.maxConnections) return null
  return {
    action: multiDial.action,
    reason: 'multi-dial',
    evidence: {
      rule: 'multiDial',
      kind: 'multi-dial',
      infoHash: observation.infoHash,
      facts: { group, connections: observation.groupConnections, maxConnections: multiDial.maxConnections },
    },
    note: `${observation.groupConnections} connections to one torrent from ${group} (at most ${multiDial.maxConnections} allowed)`,
  }
}

export function judgeIdle(rules: Rules, observation: PeerObservation): Verdict | null {
  const idle = rules.idle
  if (!idle.enabled || observation.idleMs < idle.idleMs) return null
  return {
    action: idle.action,
    reason: 'idle',
    evidence: {
      rule: 'idle',
      kind: 'idle',
      infoHash: observation.infoHash,
      facts: { idleMs: observation.idleMs, limitMs: idle.idleMs },
    },
    note: `held a connection for ${Math.round(observation.idleMs / 1000)} s without a request while it could ask`,
  }
}

/** Every verdict the rules reach on one observation (the dry run; live rules judge one kind at a time). */
export function judgeObservation(
  rules: Rules,
  match: ClientMatcher,
  observation: PeerObservation,
  group: string,
): Verdict[] {
  const verdicts: (Verdict | null)[] = [
    ...observation.peerIds.map((peerId) => match('peerId', peerId)),
    ...observation.clients.map((client) => match('client', client)),
    judgeProgress(rules, 'progress-ahead', observation),
    judgeProgress(rules, 'claims-then-requests', observation),
    judgeProgress(rules, 'progress-rewind', observation),
    judgeProgress(rules, 'over-download', observation),
    judgeMultiDial(rules, observation, group),
    judgeIdle(rules, observation),
  ]
  return verdicts.filter((verdict): verdict is Verdict => verdict !== null)
}
