/**
 * What happens when a rule fires: a ban through the defence's ban path (the rules never close
 * wires or write bans themselves), a strike that decays and bans at the threshold, or a shadow
 * ban (the peer stays connected and is never uploaded to: shadow.ts).
 */
import type { BanReason, RuleEvidence } from '../defence/ban-store.ts'
import type { BlockSender } from '../defence/ledger.ts'
import { DecayingCounter } from '../defence/policy.ts'
import type { Rules } from './config.ts'
import type { Verdict } from './judge.ts'

/** The part of the defence the rules use (src/defence/defence.ts implements it). */
export interface BanPath {
  ban(
    address: string,
    options: {
      reason: BanReason
      note: string
      expiresAt: number | null
      rule: RuleEvidence
      peer?: BlockSender
    },
  ): unknown
  isBanned(address: string): boolean
}

export interface RuleEvents {
  /** A strike was given (the reputation store counts it on the peer's record). */
  onStrike?(address: string, verdict: Verdict, strikes: number): void
  /** A peer was shadow-banned on a torrent (audited). */
  onShadow?(address: string, verdict: Verdict): void
}

export class RuleActions {
  readonly #rules: Rules
  readonly #banPath: () => BanPath | null
  readonly #events: RuleEvents
  readonly #now: () => number
  readonly #strikes: DecayingCounter

  constructor(rules: Rules, banPath: () => BanPath | null, events: RuleEvents, now: () => number) {
    this.#rules = rules
    this.#banPath = banPath
    this.#events = events
    this.#now = now
    this.#strikes = new DecayingCounter(rules.strikes.halfLifeMs)
  }

  isBanned(address: string): boolean {
    return this.#banPath()?.isBanned(address) ?? false
  }

  /** Carry out a ban or strike verdict; `shadow` verdicts are the caller's (it owns the wires). */
  apply(address: string, verdict: Verdict, peer: BlockSender | null): void {
    const path = this.#banPath()
    if (!path || path.isBanned(address)) return
    const now = this.#now()
    if (verdict.action === 'ban') {
      this.#ban(path, address, verdict.reason, verdict.evidence, verdict.note, peer)
      return
    }
    if (verdict.action === 'shadow') {
      this.#events.onShadow?.(address, verdict)
      return
    }
    const strikes = this.#strikes.add(address, 1, now)
    this.#events.onStrike?.(address, verdict, strikes)
    if (strikes < this.#rules.strikes.threshold) return
    this.#strikes.clear(address)
    this.#ban(
      path,
      address,
      'rule-strikes',
      {
        rule: verdict.evidence.rule,
        kind: 'strikes',
        infoHash: verdict.evidence.infoHash,
        facts: {
          ...verdict.evidence.facts,
          lastKind: verdict.evidence.kind,
          strikes: Math.round(strikes * 100) / 100,
          threshold: this.#rules.strikes.threshold,
        },
      },
      `${Math.floor(strikes)} rule strikes; the last: ${verdict.note}`,
      peer,
    )
  }

  #ban(
    path: BanPath,
    address: string,
    reason: BanReason,
    rule: RuleEvidence,
    note: string,
    peer: BlockSender | null,
  ): void {
    path.ban(address, {
      reason,
      note,
      rule,
      expiresAt: this.#now() + this.#rules.banMs,
      ...(peer ? { peer } : {}),
    })
  }
}
