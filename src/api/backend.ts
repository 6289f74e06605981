import type { AuditEvent, AuditSink } from '../audit.ts'
import { createEngine, provenanceOf } from '../engine/create-engine.ts'
import type { Engine, EngineOptions } from '../engine/engine.ts'
import { VouchError } from '../errors.ts'
import { TrustStore } from '../provenance/trust-store.ts'
import { FollowScheduler, Follows } from '../reputation/follow.ts'
import { SubscriptionScheduler, Subscriptions } from '../reputation/subscriptions.ts'
import { openReputation, type Reputation } from '../reputation/wiring.ts'
import type { InternalErrorLog } from './dispatcher.ts'
import { ApiService } from './service.ts'

export interface BackendOptions {
  engine: EngineOptions
  version: string
  /** How often the chart gets a sample, ms. */
  sampleIntervalMs?: number
  /** How often blocklist subscriptions are checked for being due, ms (default a minute). */
  subscriptionCheckMs?: number
  /** How often followed ban reports are checked for being due, ms (default 30 s). */
  followCheckMs?: number
  logInternal?: InternalErrorLog
}

/** The engine with every feature module attached, and the API service over it. */
export interface Backend {
  engine: Engine
  service: ApiService
  reputation: Reputation
  trust: TrustStore
  close(): Promise<void>
}

/**
 * Open the engine the way every shell runs it — provenance gate, defence, reputation store — and
 * the API over it. `vouch serve` and the Electron main process both call this, so neither holds
 * engine logic of its own.
 */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  const home = options.engine.home
  const reputation = openReputation(home)
  const trust = TrustStore.forHome(home)
  // The service is created after the engine, but the gate reports acceptances from the first add
  // (resumed torrents): events wait here until it exists.
  const late: { service?: ApiService } = {}
  const early: AuditEvent[] = []
  const audit: AuditSink = {
    record(event) {
      reputation.store.record(event)
      if (late.service) late.service.observeAudit(event)
      else early.push(event)
    },
  }
  let engine: Engine
  try {
    engine = await createEngine({
      ...options.engine,
      ...reputation.engineOptions(options.engine),
      audit,
      trust,
    })
  } catch (error) {
    reputation.close()
    throw error
  }
  const disconnect = reputation.connect(engine)
  const created = new ApiService({
    engine,
    version: options.version,
    trust,
    reputation: reputation.store,
    rules: reputation.rules,
    audit,
    heldState: (infoHash) => provenanceOf(engine)?.stateOf(infoHash),
    offerEnvelopes: async (infoHash, envelopes) => {
      const gate = provenanceOf(engine)
      if (!gate) throw new VouchError('bad-input', 'this engine has no provenance gate')
      return gate.offerEnvelopes(infoHash, envelopes)
    },
    reevaluate: async () => provenanceOf(engine)?.reevaluate(),
    ...(options.sampleIntervalMs ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
    ...(options.logInternal ? { logInternal: options.logInternal } : {}),
  })
  late.service = created
  // Blocklist subscriptions (vouch bans subscribe) are fetched again when due.
  const scheduler = new SubscriptionScheduler(new Subscriptions(home), reputation.store, {
    ...(options.subscriptionCheckMs ? { checkEveryMs: options.subscriptionCheckMs } : {}),
    onError: (error) => options.logInternal?.('blocklist subscriptions', error),
  })
  // Ban reports of other instances followed with a pinned key (vouch bans follow).
  const following = new FollowScheduler(new Follows(home), reputation.store, {
    ...(options.followCheckMs ? { checkEveryMs: options.followCheckMs } : {}),
    onError: (error) => options.logInternal?.('followed ban reports', error),
  })
  for (const event of early.splice(0)) created.observeAudit(event)
  return {
    engine,
    service: created,
    reputation,
    trust,
    async close() {
      await scheduler.close()
      await following.close()
      created.close()
      await engine.close()
      disconnect()
      reputation.close()
    },
  }
}
