/**
 * `vouch rules test`: replay what the store recorded of every peer through a set of rules and say
 * which peers they would have banned (or shadow-banned, or struck) and why, before the rules are
 * enabled. The judges are the live rules' own (judge.ts). Strikes are summed without decay, so the
 * dry run errs towards showing a ban the live rules might have let decay.
 */
import { addressKey } from '../defence/address.ts'
import type { BanReason, RuleEvidence } from '../defence/ban-store.ts'
import type { RuleAction, Rules } from './config.ts'
import { clientMatcher, judgeObservation, peerIdText, type PeerObservation, type Verdict } from './judge.ts'
import { networkOf, networkText } from './network.ts'

/** A peer record as the store keeps it (peer IDs hex, as in the handshake). */
export interface RecordedPeer {
  address: string
  peerIds: string[]
  clients: string[]
}

export interface DryRunFinding {
  address: string
  /** What the rules would have done in the end: ban (directly or by strikes), shadow, or only strike. */
  outcome: 'ban' | 'shadow' | 'strikes'
  /** The reason the ban would carry (for `strikes` below the threshold: the first rule's). */
  reason: BanReason
  strikes: number
  verdicts: { action: RuleAction; reason: BanReason; note: string; evidence: RuleEvidence }[]
}

export interface DryRunResult {
  peers: number
  observations: number
  findings: DryRunFinding[]
}

function groupOf(rules: Rules, address: string): string {
  const network = networkOf(
    address.replace(/\/64$/, ''),
    rules.multiDial.ipv4Prefix,
    rules.multiDial.ipv6Prefix,
  )
  return network ? networkText(network) : address
}

export function dryRun(
  rules: Rules,
  peers: Iterable<RecordedPeer>,
  observations: Iterable<PeerObservation>,
): DryRunResult {
  const match = clientMatcher(rules)
  const byAddress = new Map<string, Verdict[]>()
  const add = (address: string, verdicts: Verdict[]) => {
    if (verdicts.length === 0) return
    const key = addressKey(address)
    byAddress.set(key, [...(byAddress.get(key) ?? []), ...verdicts])
  }
  let peerCount = 0
  for (const peer of peers) {
    peerCount++
    const verdicts: (Verdict | null)[] = [
      ...peer.peerIds.map((peerId) => match('peerId', peerIdText(peerId))),
      ...peer.clients.map((client) => match('client', client)),
    ]
    add(
      peer.address,
      verdicts.filter((verdict): verdict is Verdict => verdict !== null),
    )
  }
  let observationCount = 0
  for (const observation of observations) {
    observationCount++
    // Client names were judged from the peer records; judge the torrent's counters here.
    const counters = { ...observation, peerIds: [], clients: [] }
    add(observation.address, judgeObservation(rules, match, counters, groupOf(rules, observation.address)))
  }
  const findings: DryRunFinding[] = []
  for (const [address, verdicts] of byAddress) {
    const unique = verdicts.filter(
      (verdict, index) => verdicts.findIndex((other) => other.note === verdict.note) === index,
    )
    const ban = unique.find((verdict) => verdict.action === 'ban')
    const strikes = unique.filter((verdict) => verdict.action === 'strike').length
    const shadow = unique.find((verdict) => verdict.action === 'shadow')
    const first = unique[0] as Verdict
    const outcome = ban || strikes >= rules.strikes.threshold ? 'ban' : shadow ? 'shadow' : 'strikes'
    findings.push({
      address,
      outcome,
      reason: ban ? ban.reason : outcome === 'ban' ? 'rule-strikes' : (shadow ?? first).reason,
      strikes,
      verdicts: unique.map(({ action, reason, note, evidence }) => ({ action, reason, note, evidence })),
    })
  }
  const rank = { ban: 0, shadow: 1, strikes: 2 }
  findings.sort((a, b) => rank[a.outcome] - rank[b.outcome] || a.address.localeCompare(b.address))
  return { peers: peerCount, observations: observationCount, findings }
}
