/**
 * What an admission leaves behind: the audit entry of each accepted, refused or overridden
 * judgement, and for an accepted one the signers' sequence numbers (the rollback check's memory)
 * and the kept envelopes a restart judges again. Apart from plugin.ts, which decides when a torrent
 * is held, approved or refused; this module only writes down what was decided.
 */
import type { AuditSink } from '../audit.ts'
import type { Verdict } from './gate.ts'
import type { KeptEnvelopes } from './kept-envelopes.ts'
import { nameText, type Decision } from './policy.ts'
import type { TrustStore } from './trust-store.ts'

export type ProvenanceAuditType = 'provenance.accepted' | 'provenance.refused' | 'provenance.override'

export class AdmissionRecord {
  readonly #trust: TrustStore
  readonly #audit: AuditSink | undefined
  readonly #kept: KeptEnvelopes | null

  constructor(trust: TrustStore, audit: AuditSink | undefined, kept: KeptEnvelopes | null) {
    this.#trust = trust
    this.#audit = audit
    this.#kept = kept
  }

  async accepted(verdict: Verdict, infoHash: string): Promise<void> {
    const decision = verdict.decision
    if (!decision.accepted) return
    await this.#trust.recordSequences(
      decision.signers
        .filter((signer) => signer.sequence !== undefined)
        .map((signer) => ({
          fingerprint: signer.fingerprint,
          name: nameText(signer.envelope.name),
          sequence: signer.sequence as number,
          infoHash,
        })),
    )
    this.record('provenance.accepted', infoHash, decision)
    await this.#kept?.keep(
      infoHash,
      decision.signers.map((signer) => signer.envelope),
    )
  }

  record(
    type: ProvenanceAuditType,
    infoHash: string,
    decision: Decision,
    extra: Record<string, unknown> = {},
  ): void {
    const details = decision.accepted
      ? { fingerprints: decision.signers.map((signer) => signer.fingerprint), publisher: decision.name }
      : { reason: decision.reason, fingerprint: decision.fingerprint, message: decision.message }
    this.#audit?.record({ type, subject: infoHash, details: { ...details, ...extra } })
  }
}
