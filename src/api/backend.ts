import path from 'node:path'
import type { AuditEvent, AuditSink } from '../audit.ts'
import { createEngine, provenanceOf } from '../engine/create-engine.ts'
import type { Engine, EngineOptions } from '../engine/engine.ts'
import { VouchError } from '../errors.ts'
import { TrustStore } from '../provenance/trust-store.ts'
import { FollowScheduler, Follows } from '../reputation/follow.ts'
import { SubscriptionScheduler, Subscriptions } from '../reputation/subscriptions.ts'
import { openReputation, type Reputation } from '../reputation/wiring.ts'
import { FeedDaemon } from '../feeds/daemon.ts'
import { FeedStore } from '../feeds/feed-store.ts'
import type { InternalErrorLog } from './dispatcher.ts'
import { dataPaths } from '../engine/paths.ts'
import { ApiService } from './service.ts'
import { runtimeSettingsOf } from './settings-handlers.ts'
import { defaultSettings, SettingsStore } from './settings-store.ts'

export interface BackendOptions {
  /**
   * Options given here win over HOME/settings.json for this run: a `downloadDir` is saved as the
   * new setting; a network switch given as false (`--no-dht`) turns it off for this run only.
   */
  engine: EngineOptions
  version: string
  /** How often the chart gets a sample, ms. */
  sampleIntervalMs?: number
  /** How often blocklist subscriptions are checked for being due, ms (default a minute). */
  subscriptionCheckMs?: number
  /** How often followed ban reports are checked for being due, ms (default 30 s). */
  followCheckMs?: number
  logInternal?: InternalErrorLog
  /** How often followed feeds are polled, ms (default 10 minutes). */
  feedPollIntervalMs?: number
}

/** The engine with every feature module attached, and the API service over it. */
export interface Backend {
  engine: Engine
  service: ApiService
  reputation: Reputation
  trust: TrustStore
  /** Polls followed feeds and re-puts kept items (through the engine's DHT while it is on). */
  feedDaemon: FeedDaemon
  close(): Promise<void>
}

/**
 * Open the engine the way every shell runs it — provenance gate, defence, reputation store — and
 * the API over it. `vouch serve` and the Electron main process both call this, so neither holds
 * engine logic of its own.
 */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  const home = options.engine.home
  const settings = await SettingsStore.open(home, defaultSettings(dataPaths(home).downloads), (message) =>
    options.logInternal?.(message, null),
  )
  if (options.engine.downloadDir !== undefined) {
    await settings.update({ downloadDir: path.resolve(options.engine.downloadDir) })
  }
  const saved = settings.current
  const engineOptions: EngineOptions = {
    ...options.engine,
    downloadDir: saved.downloadDir,
    torrentPort: options.engine.torrentPort || (saved.listenPort ?? 0),
    dht: options.engine.dht ?? saved.dht,
    lsd: options.engine.lsd ?? saved.lsd,
    natUpnp: options.engine.natUpnp ?? saved.upnp,
    natPmp: options.engine.natPmp ?? saved.natPmp,
    utPex: options.engine.utPex ?? saved.pex,
  }
  const reputation = await openReputation(home)
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
      ...engineOptions,
      ...reputation.engineOptions(engineOptions),
      audit,
      trust,
    })
  } catch (error) {
    reputation.close()
    throw error
  }
  const disconnect = reputation.connect(engine)
  engine.configure(runtimeSettingsOf(saved))
  const feeds = FeedStore.forHome(home)
  // Feeds ride on the engine's DHT node, read at each lookup: the DHT can be switched on and off
  // while serve runs (while it is off, each followed feed says so).
  const feedDaemon = new FeedDaemon({
    dht: () => engine.dht,
    feeds,
    trust,
    audit,
    follow: true,
    ...(options.feedPollIntervalMs ? { pollIntervalMs: options.feedPollIntervalMs } : {}),
    startRelease: async (release) => {
      await engine.add(release.magnet, release.outDir ? { downloadDir: release.outDir } : {})
    },
    onChange: () => late.service?.events.publish('feeds.changed', {}),
    ...(options.logInternal ? { onError: (message) => options.logInternal?.('feeds', message) } : {}),
  })
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
    settings,
    offThisRun: {
      pex: options.engine.utPex === false,
      dht: options.engine.dht === false,
      lsd: options.engine.lsd === false,
    },
    ...(options.sampleIntervalMs ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
    ...(options.logInternal ? { logInternal: options.logInternal } : {}),
    feeds: { store: feeds, nextPollAt: () => feedDaemon.nextPollAt, pollSoon: () => feedDaemon.pollSoon() },
  })
  late.service = created
  feedDaemon?.start()
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
  let closing: Promise<void> | undefined
  return {
    engine,
    service: created,
    reputation,
    trust,
    feedDaemon,
    /** Idempotent: a shell and its shutdown hook may both close it. */
    close() {
      closing ??= (async () => {
        await feedDaemon?.close()
        await scheduler.close()
        await following.close()
        created.close()
        await engine.close()
        disconnect()
        reputation.close()
      })()
      return closing
    },
  }
}
