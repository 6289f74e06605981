/**
 * What the defence does with a peer that breaks the wire protocol, as the engine's wire guard
 * reports it (src/engine/wire-guard.ts; this module never imports the engine):
 * - a message longer or shorter than its type allows is proof the peer is broken or hostile: ban
 *   at once, reason `protocol-violation`, with the message id and declared length as evidence;
 * - a request flood (requests past the queue the peer may keep, at most one report per wire per
 *   interval) is a strike that decays like the others; `floodThreshold` of them ban.
 */
import type { BanReason, WireEvidence } from './ban-store.ts'
import { DecayingCounter, type DefencePolicy } from './policy.ts'

/** The connection the report is about. */
export interface WirePeer {
  /** The address key (IPv4, or IPv6 /64), as bans use. */
  address: string
  host: string
  port: number
  peerId: string | null
}

export interface ViolationReport {
  peer: WirePeer
  evidence: WireEvidence
}

export interface FloodReport {
  peer: WirePeer
  infoHash: string | null
  /** Requests this connection sent past its allowance so far. */
  dropped: number
  /** The outstanding requests a peer may keep. */
  allowed: number
}

interface Hooks {
  policy: DefencePolicy
  now: () => number
  isBanned(address: string): boolean
  ban(
    address: string,
    reason: BanReason,
    context: { evidence: WireEvidence; infoHash: string | null; peer: WirePeer; note: string },
  ): void
  warn(infoHash: string | null, message: string): void
}

export class ProtocolDiscipline {
  readonly #hooks: Hooks
  readonly #floods: DecayingCounter

  constructor(hooks: Hooks) {
    this.#hooks = hooks
    this.#floods = new DecayingCounter(hooks.policy.strikeHalfLifeMs)
  }

  /** A message its type does not allow: the wire is already closed; ban its address. */
  violation(report: ViolationReport): void {
    const { peer, evidence } = report
    if (this.#hooks.isBanned(peer.address)) return
    this.#hooks.ban(peer.address, 'protocol-violation', {
      evidence,
      infoHash: evidence.infoHash,
      peer,
      note: `sent a ${evidence.message} message (id ${evidence.messageId}) declared ${evidence.declaredLength} bytes long; at most ${evidence.limit} allowed`,
    })
  }

  /** A request flood: a strike; enough of them ban. */
  flood(report: FloodReport): void {
    const { peer, infoHash } = report
    const strikes = this.#floods.add(peer.address, 1, this.#hooks.now())
    const threshold = this.#hooks.policy.floodThreshold
    this.#hooks.warn(
      infoHash,
      `${peer.host} sent ${report.dropped} requests past the ${report.allowed} it may queue; dropped (flood strike ${Math.round(strikes)} of ${threshold})`,
    )
    if (strikes < threshold || this.#hooks.isBanned(peer.address)) return
    this.#floods.clear(peer.address)
    this.#hooks.ban(peer.address, 'protocol-violation', {
      evidence: {
        violation: 'request-flood',
        infoHash,
        messageId: 6,
        message: 'request',
        declaredLength: 13,
        limit: report.allowed,
      },
      infoHash,
      peer,
      note: `flooded requests ${Math.round(strikes)} times (${report.dropped} past the ${report.allowed} allowed on its last connection)`,
    })
  }
}
