/** What the engine is opened with and what each add and seed may ask for. */
import type { Torrent } from 'webtorrent'
import type { EnginePlugin } from './plugin.ts'
import type { BanStore } from '../defence/ban-store.ts'
import type { DefencePolicy } from '../defence/policy.ts'
import type { AuditSink } from '../audit.ts'
import type { FilePriority } from './file-priorities.ts'
import type { TorrentLimits } from './torrent-throttle.ts'
import type { WireGuardOptions } from './wire-guard.ts'

export interface EngineOptions {
  /** Data directory (see resolveHome). */
  home: string
  /** Where downloads go unless an add says otherwise. Default: HOME/downloads. */
  downloadDir?: string
  /** TCP/uTP listening port; 0 picks a free one. */
  torrentPort?: number
  dht?: boolean
  /** HOST:PORT of DHT nodes to join through instead of the public routers (a loopback DHT). */
  dhtBootstrap?: string[]
  lsd?: boolean
  natUpnp?: boolean
  natPmp?: boolean
  utp?: boolean
  utPex?: boolean
  /** Announce to trackers. */
  tracker?: boolean
  /** Resume the persisted torrent list on open. Default true. */
  resume?: boolean
  plugins?: EnginePlugin[]
  /** Poisoned-piece defence policy overrides; `false` turns the defence off (benchmarks only). */
  defence?: Partial<DefencePolicy> | false
  /**
   * Bounds on every peer wire's messages and request queue (wire-guard.ts); `false` turns the guard
   * off (benchmarks only: the before figure of the hostile-wire scenario).
   */
  wireGuard?: Partial<WireGuardOptions> | false
  /** Where the defence records bans. Default: in memory. */
  banStore?: BanStore
  /** Where bans and lifts are audited. */
  audit?: AuditSink
  /** How often `progress` events are emitted, in ms. */
  progressIntervalMs?: number
}

export interface AddOptions {
  downloadDir?: string
  /** Peers to connect to directly, as HOST:PORT. */
  peers?: string[]
  /** Explicit per-torrent override of the provenance policy. */
  allowUnsigned?: boolean
  /** Keep this torrent in the persisted list so a restart resumes it. Default true. */
  remember?: boolean
  /** Start paused (a torrent the user paused before a restart). */
  paused?: boolean
  /** When it was first added (ms since epoch); default now. */
  addedAt?: number
  /** Per-file priorities (by file index) to apply once the metadata is known. */
  files?: FilePriority[]
  /** This torrent's own speed limits (torrent-throttle.ts). */
  limits?: TorrentLimits
}

export interface SeedOptions {
  announce?: string[]
  pieceLength?: number
  remember?: boolean
}

/** What an add did: `existing` when the torrent was already running (a duplicate add). */
export interface AddOutcome {
  torrent: Torrent
  existing: boolean
}
