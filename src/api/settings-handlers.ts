/**
 * The settings commands: `settings.get`, and `settings.set`, which applies what the engine must
 * try first (folder, port, DHT, LSD: refused before anything is saved), saves, then applies the
 * rest to running torrents. Apart from service.ts so the order of that apply-then-save lives alone.
 */
import type { Engine } from '../engine/engine.ts'
import type { RuntimeSettings } from '../engine/scheduler.ts'
import type { Settings } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'
import type { SettingsStore } from './settings-store.ts'

export interface SettingsContext {
  engine: Engine
  settings: SettingsStore
  events: EventBus
  /** Network switches turned off for this run only (`--no-pex`): a settings change leaves them off. */
  offThisRun?: { pex?: boolean; dht?: boolean; lsd?: boolean } | undefined
  /** Poll followed feeds now (the feed daemon), once the DHT is turned on. */
  pollSoon?: (() => void) | undefined
}

/** The settings the engine applies to running torrents. */
export function runtimeSettingsOf(settings: Settings): RuntimeSettings {
  return {
    downloadLimit: settings.downloadLimit,
    uploadLimit: settings.uploadLimit,
    seedRatioLimit: settings.seedRatioLimit,
    seedTimeLimitMinutes: settings.seedTimeLimitMinutes,
    maxActiveDownloads: settings.maxActiveDownloads,
    maxActiveSeeds: settings.maxActiveSeeds,
  }
}

export function settingsHandlers(context: SettingsContext): Pick<Handlers, 'settings.get' | 'settings.set'> {
  return {
    'settings.get': () => context.settings.current,
    'settings.set': (changes) => setSettings(context, changes),
  }
}

async function setSettings(context: SettingsContext, changes: Partial<Settings>): Promise<Settings> {
  const { engine, offThisRun } = context
  const store = context.settings
  // The folder first: one that cannot be created is refused before anything is saved.
  if (changes.downloadDir !== undefined && changes.downloadDir !== store.current.downloadDir) {
    await engine.setDownloadDir(changes.downloadDir)
  }
  // The port too: one that cannot be bound is refused before anything is saved.
  if (changes.listenPort !== undefined && changes.listenPort !== store.current.listenPort) {
    await engine.setListenPort(changes.listenPort ?? 0)
  }
  // The DHT too: a node that cannot start is refused before anything is saved.
  if (changes.dht !== undefined && !offThisRun?.dht) {
    await engine.setDht(changes.dht)
    // Followed feeds are polled through the new node at once, not at the next round.
    if (changes.dht) context.pollSoon?.()
  }
  if (changes.lsd !== undefined && !offThisRun?.lsd) await engine.setLsd(changes.lsd)
  const saved = await store.update(changes)
  engine.configure(runtimeSettingsOf(saved))
  if (!offThisRun?.pex) engine.setPex(saved.pex)
  context.events.publish('settings.changed', saved)
  return saved
}
