/**
 * How an engine gets the reputation store, in one place, for the CLI, the server and the desktop
 * app (the engine itself never imports src/reputation):
 *
 *   const reputation = await openReputation(home)
 *   const engine = await Engine.open({ ...options, ...reputation.engineOptions(options) })
 *   reputation.connect(engine)
 *   …
 *   await engine.close(); reputation.close()
 *
 * The defence then reads and writes bans in the store (so they persist and hold from the first
 * connection after a restart), audits through it, and its credit and ban events become peer
 * records. Only types come from src/engine.
 */
import type { Engine, EngineOptions } from '../engine/engine.ts'
import type { BanPath } from '../rules/actions.ts'
import type { Rules } from '../rules/config.ts'
import { openRules } from '../rules/defaults.ts'
import { BanHooks } from '../rules/hooks.ts'
import { RulesPlugin } from '../rules/live.ts'
import { ObservationLog } from './observations.ts'
import { reputationPlugin, type ReputationPlugin } from './plugin.ts'
import { ReputationStore, type ReputationStoreOptions } from './store.ts'

export interface Reputation {
  store: ReputationStore
  plugin: ReputationPlugin
  /** The ban rules of HOME/rules.json (src/rules); null when opened without rules. */
  rules: RulesPlugin | null
  /** Options to merge into EngineOptions: ban store, audit sink, and the plugin added to `plugins`. */
  engineOptions(
    options?: Pick<EngineOptions, 'plugins'>,
  ): Pick<EngineOptions, 'banStore' | 'audit' | 'plugins'>
  /**
   * Persist the engine's defence credits and bans as peer records, and give the rules the
   * defence's ban path. Returns a disconnect function.
   */
  connect(engine: Pick<Engine, 'events'> & { defence?: BanPath | null }): () => void
  /** Flush and close the store (after the engine has closed). */
  close(): void
}

export function reputationFor(store: ReputationStore, options: { rules?: Rules } = {}): Reputation {
  const plugin = reputationPlugin(store)
  const banPath: { current: BanPath | null } = { current: null }
  const observations = options.rules ? new ObservationLog(store.database) : null
  const rules = options.rules
    ? new RulesPlugin({
        rules: options.rules,
        banPath: () => (store.closed ? null : banPath.current),
        ...(observations ? { observations } : {}),
        onStrike: (address) => {
          if (!store.closed) store.recordContribution(address, { strikes: 1 })
        },
        onShadow: (address, verdict) => {
          if (!store.closed)
            store.record({
              type: 'rule.shadowed',
              subject: address,
              details: { reason: verdict.reason, rule: verdict.evidence, note: verdict.note },
            })
        },
      })
    : null
  // Ban and lift hooks of rules.json; failures and time-outs go to the audit log.
  const hooks = options.rules
    ? new BanHooks(options.rules.hooks, (run) => {
        if (run.outcome !== 'ok' && !store.closed)
          store.record({ type: 'hook.failed', subject: run.argv.at(-4) ?? '', details: { ...run } })
      })
    : null
  const offHooks = hooks
    ? [
        store.onBansAdded((bans) => bans.forEach((ban) => hooks.banned(ban))),
        store.onLifted((address) => hooks.lifted(address)),
      ]
    : []
  return {
    store,
    plugin,
    rules,
    engineOptions: (engineOptions = {}) => ({
      banStore: store,
      audit: store,
      plugins: [...(engineOptions.plugins ?? []), plugin, ...(rules ? [rules] : [])],
    }),
    connect(engine) {
      banPath.current = engine.defence ?? null
      const offCredit = engine.events.on('peer-credit', (event) => plugin.creditFromDefence(event))
      const offBan = engine.events.on('ban', (event) => plugin.banFromDefence(event))
      return () => {
        offCredit()
        offBan()
      }
    },
    close() {
      for (const off of offHooks) off()
      rules?.close()
      if (!store.closed) observations?.flush()
      plugin.close()
      store.close()
    },
  }
}

/** Open HOME/vouch.db and wire it as above, with the rules of HOME/rules.json (or the defaults). */
export async function openReputation(
  home: string,
  options: ReputationStoreOptions = {},
): Promise<Reputation> {
  // Read first: a malformed rules.json is refused before the store is opened.
  const rules = await openRules(home)
  return reputationFor(ReputationStore.openInHome(home, options), { rules })
}

/**
 * Open HOME/vouch.db, then the engine with `open` (given the store to merge into its options),
 * and connect them; if the engine fails to open, the store is closed again. `close` shuts the
 * engine, then the store.
 */
export async function openWithReputation<E extends Pick<Engine, 'events' | 'close'>>(
  home: string,
  open: (reputation: Reputation) => Promise<E>,
): Promise<{ engine: E; close: () => Promise<void> }> {
  const reputation = await openReputation(home)
  let engine: E
  try {
    engine = await open(reputation)
  } catch (error) {
    reputation.close()
    throw error
  }
  const disconnect = reputation.connect(engine)
  return {
    engine,
    close: async () => {
      try {
        await engine.close()
      } finally {
        disconnect()
        reputation.close()
      }
    },
  }
}
