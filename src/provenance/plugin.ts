/**
 * The provenance gate as an engine plugin. It mirrors the engine's plugin seam structurally
 * (src/engine/plugin.ts) so that provenance never imports the engine.
 *
 * - .torrent: judged in `admit`, before WebTorrent sees it. Refused means nothing is fetched.
 * - magnet with an envelope: the envelope is judged in `admit` (before any connection); the torrent
 *   starts deselected on a gated store; when the metadata arrives every bound field is checked
 *   synchronously in the 'metadata' handler, and a mismatch destroys the torrent before any piece
 *   is requested or any file exists.
 * - magnet (or bare infohash) without an envelope: held, deselected, on a shut store, until
 *   `offerEnvelopes` supplies one that is accepted (or refused at once with `unsignedMagnets: 'refuse'`).
 * - `allowUnsigned`: per-torrent override of the overridable reasons, recorded in the audit trail.
 * - the envelopes that admitted a torrent are kept (`keepEnvelopesIn`) and judged again when it is
 *   added again, e.g. resumed after a restart from a stored copy that carries none.
 *
 * The types the engine sees are in plugin-seam.ts; what each judgement writes down (audit, sequence
 * numbers, kept envelopes) is in admission-record.ts; how a refusal is worded, in refusals.ts.
 */
import type { Torrent } from 'webtorrent'
import type { AuditSink } from '../audit.ts'
import { VouchError } from '../errors.ts'
import { AdmissionRecord } from './admission-record.ts'
import { judgeSource } from './admission.ts'
import { envelopesFromMagnet } from './carriers.ts'
import { judgeMagnet, judgeMetadata, type Verdict } from './gate.ts'
import { GatedChunkStore, StoreGate } from './gated-store.ts'
import { holdBackSources, type HeldMagnet } from './held-sources.ts'
import { KeptEnvelopes } from './kept-envelopes.ts'
import type {
  HeldState,
  ProvenanceAdmission,
  ProvenanceAdmissionRequest,
  ProvenanceOptions,
} from './plugin-seam.ts'
import { isOverridable, type Decision, type GateInput, type TrustView, decide } from './policy.ts'
import { refusedAdmission, runningRefusal, type ProvenanceRefusal } from './refusals.ts'
import type { EnvelopeCandidate } from './torrent.ts'
import type { TrustStore } from './trust-store.ts'

interface Held {
  infoHash: string
  gate: StoreGate
  state: HeldState
  envelopes: EnvelopeCandidate[]
  /** Web seeds of the magnet, held back until approval (held-sources.ts). */
  webSeeds: string[]
  torrent?: Torrent
  infoBytes?: Uint8Array
}

/** A torrent admitted without being held: a .torrent, or anything let in by `allowUnsigned`. */
interface Admitted {
  infoHash: string
  envelopes: EnvelopeCandidate[]
  /** What was judged: a .torrent's facts from its exact bytes, or only the infohash. */
  facts: GateInput['facts']
  allowUnsigned: boolean
  torrent?: Torrent
}

type Refused = Extract<Decision, { accepted: false }>

/** A held torrent's envelopes against its metadata once that has arrived, until then its infohash. */
function judgeHeld(
  infoHash: string,
  infoBytes: Uint8Array | undefined,
  envelopes: readonly EnvelopeCandidate[],
  trust: TrustView,
  now: number,
): Verdict {
  return infoBytes
    ? judgeMetadata(infoBytes, envelopes, trust, now)
    : judgeMagnet('', infoHash, trust, now, envelopes)
}

export class ProvenancePlugin {
  readonly name = 'provenance'
  readonly #trust: TrustStore
  readonly #now: () => number
  readonly #unsignedMagnets: 'hold' | 'refuse'
  readonly #onRefused: ((refusal: ProvenanceRefusal) => void) | undefined
  readonly #held = new Map<string, Held>()
  readonly #admitted = new Map<string, Admitted>()
  readonly #kept: KeptEnvelopes | null
  readonly #recorded: AdmissionRecord

  constructor(trust: TrustStore, audit?: AuditSink, options: ProvenanceOptions = {}) {
    this.#trust = trust
    this.#kept = options.keepEnvelopesIn ? new KeptEnvelopes(options.keepEnvelopesIn) : null
    this.#recorded = new AdmissionRecord(trust, audit, this.#kept)
    this.#now = options.now ?? Date.now
    this.#unsignedMagnets = options.unsignedMagnets ?? 'hold'
    this.#onRefused = options.onRefused
  }

  async admit({ source, allowUnsigned }: ProvenanceAdmissionRequest): Promise<ProvenanceAdmission> {
    const judge = async () => judgeSource(source, await this.#trust.view(), this.#now(), this.#kept)
    if (source.kind === 'torrent-file') {
      const verdict = await judge()
      const held = this.#liveHeld(source.parsed.infoHash)
      if (held) return this.#admitAgain(held, verdict.envelopes)
      if (verdict.decision.accepted) {
        await this.#recorded.accepted(verdict, source.parsed.infoHash)
        this.#track(verdict, source.parsed.infoHash, allowUnsigned)
        return { admitted: true }
      }
      return this.#refusedOrOverridden(verdict, verdict.decision, source.parsed.infoHash, allowUnsigned)
    }
    const infoHash = source.parsed.infoHash.toLowerCase()
    const held = this.#liveHeld(infoHash)
    if (held) return this.#admitAgain(held, source.kind === 'magnet' ? envelopesFromMagnet(source.uri) : [])
    const verdict = await judge()
    const decision = verdict.decision
    const sources = holdBackSources(source.kind === 'magnet' ? source.uri : '')
    if (decision.accepted) {
      await this.#recorded.accepted(verdict, infoHash)
      return this.#hold(infoHash, 'awaiting-metadata', verdict.envelopes, sources)
    }
    if (decision.reason === 'unsigned' && !allowUnsigned && this.#unsignedMagnets === 'hold')
      return this.#hold(infoHash, 'awaiting-envelope', [], sources)
    return this.#refusedOrOverridden(verdict, decision, infoHash, allowUnsigned)
  }

  attachTorrent(torrent: Torrent): void {
    const bind = () => {
      const admitted = this.#admitted.get(torrent.infoHash)
      if (admitted && !admitted.torrent) {
        admitted.torrent = torrent
        torrent.once('close', () => {
          if (this.#admitted.get(admitted.infoHash) === admitted) this.#admitted.delete(admitted.infoHash)
        })
      }
      const held = this.#held.get(torrent.infoHash)
      if (!held || held.torrent) return
      held.torrent = torrent
      torrent.once('close', () => {
        if (this.#held.get(held.infoHash) === held) this.#held.delete(held.infoHash)
      })
      if (torrent.infoBuffer) this.#onMetadata(held)
      else torrent.once('metadata', () => this.#onMetadata(held))
    }
    if (torrent.infoHash) bind()
    else torrent.once('infoHash', bind)
  }

  /** Where a held torrent stands; undefined when provenance is not holding it. */
  stateOf(infoHash: string): HeldState | undefined {
    return this.#held.get(infoHash.toLowerCase())?.state
  }

  /**
   * Envelopes for a torrent that is being held (from a sidecar, a feed, the user). Accepted: the
   * store opens and the download starts (or starts once the metadata matches). Refused: the
   * torrent stays held and the decision says why.
   */
  async offerEnvelopes(infoHash: string, envelopes: readonly EnvelopeCandidate[]): Promise<Decision> {
    const held = this.#held.get(infoHash.toLowerCase())
    if (!held || held.state === 'refused')
      throw new VouchError('bad-input', `no torrent with infohash ${infoHash} is waiting for an envelope`)
    if (held.state !== 'awaiting-envelope') {
      return {
        accepted: false,
        reason: 'malformed',
        fingerprint: null,
        message: `torrent ${infoHash} already has an accepted envelope`,
      }
    }
    const trust = await this.#trust.view()
    const judgedInfo = held.infoBytes
    const verdict = judgeHeld(held.infoHash, judgedInfo, envelopes, trust, this.#now())
    if (!verdict.decision.accepted) {
      this.#recorded.record('provenance.refused', held.infoHash, verdict.decision)
      return verdict.decision
    }
    await this.#recorded.accepted(verdict, held.infoHash)
    held.envelopes = [...envelopes]
    held.state = 'awaiting-metadata'
    if (!held.infoBytes) return verdict.decision
    if (held.infoBytes === judgedInfo) {
      this.#approve(held)
      return verdict.decision
    }
    // The metadata arrived while the acceptance was being recorded: judged only against the
    // infohash so far, it gets the full check now, exactly as if it had arrived afterwards.
    return this.#checkMetadata(held, held.infoBytes)
  }

  /**
   * Judge every torrent already admitted again, under the trust store as it is now: the user
   * revoked or unpinned a key. Those now refused (and not covered by their `allowUnsigned`) are
   * destroyed at once, before another piece is requested or written, and reported like a refusal
   * on metadata. Magnets still waiting for an envelope have nothing to judge and stay held. The
   * sequence check is left out: it guards against old releases offered as new, not against one
   * accepted while it was current.
   */
  async reevaluate(): Promise<ProvenanceRefusal[]> {
    const trust = { ...(await this.#trust.view()), sequences: new Map() }
    const now = this.#now()
    const refusals: ProvenanceRefusal[] = []
    const when = 'after a change to the trusted keys'
    for (const held of [...this.#held.values()]) {
      if (held.state !== 'awaiting-metadata' && held.state !== 'approved') continue
      if (!held.torrent || held.torrent.destroyed) continue
      const decision = judgeHeld(held.infoHash, held.infoBytes, held.envelopes, trust, now).decision
      if (decision.accepted) continue
      held.state = 'refused'
      refusals.push(this.#refuseRunning(held, decision, 'trust-change', when))
    }
    for (const admitted of [...this.#admitted.values()]) {
      if (!admitted.torrent || admitted.torrent.destroyed) continue
      const decision = decide({ facts: admitted.facts, envelopes: admitted.envelopes, trust, now })
      if (decision.accepted || (admitted.allowUnsigned && isOverridable(decision.reason))) continue
      this.#admitted.delete(admitted.infoHash)
      refusals.push(this.#refuseRunning(admitted, decision, 'trust-change', when))
    }
    return refusals
  }

  #track(verdict: Verdict, infoHash: string, allowUnsigned: boolean): void {
    const running = this.#admitted.get(infoHash)?.torrent
    // Added again while it runs: the engine keeps the running torrent, so keep its record.
    if (running && !running.destroyed) return
    this.#admitted.set(infoHash, {
      infoHash,
      envelopes: verdict.envelopes,
      facts: verdict.facts ?? { infoHash },
      allowUnsigned,
    })
  }

  /** A held torrent WebTorrent is running (so an add of the same infohash returns it). */
  #liveHeld(infoHash: string): Held | undefined {
    const held = this.#held.get(infoHash.toLowerCase())
    if (!held || held.state === 'refused' || !held.torrent || held.torrent.destroyed) return undefined
    return held
  }

  /**
   * The same infohash added while it is held: the engine returns the running torrent, so a new
   * hold must not replace this one (its store would never open). Envelopes the new source carries
   * are offered to the held torrent; refused ones refuse this add and leave the torrent held.
   */
  async #admitAgain(held: Held, envelopes: EnvelopeCandidate[]): Promise<ProvenanceAdmission> {
    if (held.state !== 'awaiting-envelope' || envelopes.length === 0) return { admitted: true }
    const decision = await this.offerEnvelopes(held.infoHash, envelopes)
    if (decision.accepted) return { admitted: true }
    return refusedAdmission(
      held.infoHash,
      decision,
      envelopes,
      'the torrent added before is still held, waiting for an envelope',
    )
  }

  #hold(
    infoHash: string,
    state: HeldState,
    envelopes: EnvelopeCandidate[],
    sources: HeldMagnet,
  ): ProvenanceAdmission {
    const gate = new StoreGate()
    this.#held.set(infoHash, { infoHash, gate, state, envelopes, webSeeds: sources.webSeeds })
    return {
      admitted: true,
      torrentOptions: { deselect: true, store: GatedChunkStore, storeOpts: { gate } },
      // An infohash has no magnet to replace.
      ...(sources.magnet ? { magnet: sources.magnet } : {}),
    }
  }

  /** Runs inside WebTorrent's 'metadata' event, before the store is read or any piece requested. */
  #onMetadata(held: Held): void {
    const torrent = held.torrent
    if (!torrent?.infoBuffer || torrent.destroyed) return
    held.infoBytes = new Uint8Array(torrent.infoBuffer)
    if (held.state !== 'awaiting-metadata') return
    this.#checkMetadata(held, held.infoBytes)
  }

  /**
   * Every bound field against the metadata at hand, under the trust store as it is now (a key
   * revoked since the envelope was accepted counts): approve, or refuse and destroy the torrent.
   */
  #checkMetadata(held: Held, infoBytes: Uint8Array): Decision {
    let trust: TrustView
    try {
      trust = this.#trust.viewSync()
    } catch (error) {
      return this.#refuseMetadata(held, {
        accepted: false,
        reason: 'malformed',
        fingerprint: null,
        message: `the trust store could not be read: ${(error as Error).message}`,
      })
    }
    const verdict = judgeMetadata(infoBytes, held.envelopes, trust, this.#now())
    if (verdict.decision.accepted) {
      this.#recorded.record('provenance.accepted', held.infoHash, verdict.decision, { stage: 'metadata' })
      this.#approve(held)
      return verdict.decision
    }
    return this.#refuseMetadata(held, verdict.decision)
  }

  #refuseMetadata(held: Held, decision: Refused): Refused {
    held.state = 'refused'
    this.#refuseRunning(held, decision, 'metadata', 'when its metadata arrived')
    return decision
  }

  /** Refuse a torrent WebTorrent already has: destroyed first, then audited and reported. */
  #refuseRunning(
    running: Held | Admitted,
    decision: Refused,
    stage: 'metadata' | 'trust-change',
    when: string,
  ): ProvenanceRefusal {
    running.torrent?.destroy()
    this.#recorded.record('provenance.refused', running.infoHash, decision, { stage })
    const refusal = runningRefusal(running.infoHash, decision, running.envelopes, when)
    this.#onRefused?.(refusal)
    return refusal
  }

  #approve(held: Held): void {
    held.state = 'approved'
    held.gate.approve()
    const torrent = held.torrent
    if (!torrent || torrent.destroyed || !torrent.pieces || torrent.pieces.length === 0) return
    // WebTorrent re-selects a piece that failed its hash only when the torrent did not start
    // deselected; once approved it must behave like any other torrent.
    ;(torrent as unknown as { _startAsDeselected: boolean })._startAsDeselected = false
    torrent.select(0, torrent.pieces.length - 1)
    const withWebSeeds = torrent as unknown as { addWebSeed(url: string): void }
    for (const url of held.webSeeds) withWebSeeds.addWebSeed(url)
  }

  #refusedOrOverridden(
    verdict: Verdict,
    decision: Refused,
    infoHash: string,
    allowUnsigned: boolean,
  ): ProvenanceAdmission {
    if (allowUnsigned && isOverridable(decision.reason)) {
      this.#recorded.record('provenance.override', infoHash, decision)
      this.#track(verdict, infoHash, allowUnsigned)
      return { admitted: true }
    }
    this.#recorded.record('provenance.refused', infoHash, decision)
    return refusedAdmission(infoHash, decision, verdict.envelopes)
  }
}
