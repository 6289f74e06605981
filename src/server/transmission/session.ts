/**
 * session-get and session-set over Vouch's settings (`settings.get` / `settings.set`), in
 * Transmission's names and units: speeds in kB/s (1000 bytes, the `units` Transmission reports),
 * a limit as a value plus an `-enabled` switch where Vouch keeps one nullable number.
 */
import { statfs } from 'node:fs/promises'
import type { Settings } from '../../api/contract.ts'
import { RpcFailure } from './failure.ts'

type Arguments = Record<string, unknown>

export const SPEED_BYTES = 1000
/** The value a disabled limit shows until one is set (Transmission's default). */
export const DEFAULT_SPEED_KB = 100

export interface SessionFacts {
  version: string
  home: string
  peerPort: number
  activeBans: number
}

/** The limit values remembered while a limit is disabled (Vouch's setting is then null). */
export class SpeedMemory {
  down = DEFAULT_SPEED_KB
  up = DEFAULT_SPEED_KB

  remember(settings: Settings): void {
    if (settings.downloadLimit !== null) this.down = Math.round(settings.downloadLimit / SPEED_BYTES)
    if (settings.uploadLimit !== null) this.up = Math.round(settings.uploadLimit / SPEED_BYTES)
  }
}

export async function sessionArguments(settings: Settings, facts: SessionFacts, speeds: SpeedMemory) {
  speeds.remember(settings)
  const free = await statfs(settings.downloadDir).then(
    (stats) => stats.bavail * stats.bsize,
    () => -1,
  )
  return {
    version: `3.00 (Vouch ${facts.version})`,
    'rpc-version': 16,
    'rpc-version-minimum': 14,
    'config-dir': facts.home,
    'download-dir': settings.downloadDir,
    'download-dir-free-space': free,
    'incomplete-dir': settings.downloadDir,
    'incomplete-dir-enabled': false,
    'peer-port': facts.peerPort,
    'peer-port-random-on-start': false,
    'port-forwarding-enabled': settings.upnp || settings.natPmp,
    'dht-enabled': settings.dht,
    'pex-enabled': settings.pex,
    'lpd-enabled': settings.lsd,
    'utp-enabled': false,
    encryption: 'preferred',
    'blocklist-enabled': true,
    'blocklist-size': facts.activeBans,
    'blocklist-url': '',
    'speed-limit-down': speeds.down,
    'speed-limit-down-enabled': settings.downloadLimit !== null,
    'speed-limit-up': speeds.up,
    'speed-limit-up-enabled': settings.uploadLimit !== null,
    'alt-speed-enabled': false,
    'alt-speed-down': 0,
    'alt-speed-up': 0,
    'alt-speed-time-enabled': false,
    seedRatioLimit: settings.seedRatioLimit ?? 2,
    seedRatioLimited: settings.seedRatioLimit !== null,
    'idle-seeding-limit': settings.seedTimeLimitMinutes ?? 30,
    'idle-seeding-limit-enabled': false,
    'download-queue-enabled': settings.maxActiveDownloads !== null,
    'download-queue-size': settings.maxActiveDownloads ?? 5,
    'seed-queue-enabled': settings.maxActiveSeeds !== null,
    'seed-queue-size': settings.maxActiveSeeds ?? 10,
    'queue-stalled-enabled': false,
    'start-added-torrents': true,
    'rename-partial-files': false,
    'trash-original-torrent-files': false,
    'cache-size-mb': 0,
    units: {
      'speed-units': ['kB/s', 'MB/s', 'GB/s', 'TB/s'],
      'speed-bytes': SPEED_BYTES,
      'size-units': ['kB', 'MB', 'GB', 'TB'],
      'size-bytes': 1000,
      'memory-units': ['KiB', 'MiB', 'GiB', 'TiB'],
      'memory-bytes': 1024,
    },
  }
}

export function number(
  args: Arguments,
  key: string,
  min: number,
  method = 'session-set',
): number | undefined {
  const value = args[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RpcFailure(`${method}: ${key} must be a number of at least ${min}`)
  }
  return value
}

export function flag(args: Arguments, key: string, method = 'session-set'): boolean | undefined {
  const value = args[key]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new RpcFailure(`${method}: ${key} must be true or false`)
  return value
}

/** A limit's new setting from its value and switch (either may be absent): bytes/s or null. */
export function limit(
  current: number | null,
  remembered: number,
  value: number | undefined,
  enabled: boolean | undefined,
): { setting: number | null; remembered: number } {
  const kilobytes = value === undefined ? remembered : Math.round(value)
  const on = enabled ?? current !== null
  // Transmission takes a 0 kB/s limit as "nothing"; Vouch's smallest limit is 1 byte/s.
  return { setting: on ? Math.max(1, kilobytes * SPEED_BYTES) : null, remembered: kilobytes }
}

const SESSION_SET_KEYS = new Set([
  'download-dir',
  'speed-limit-down',
  'speed-limit-down-enabled',
  'speed-limit-up',
  'speed-limit-up-enabled',
  'peer-port',
  'dht-enabled',
  'pex-enabled',
  'lpd-enabled',
  'seedRatioLimit',
  'seedRatioLimited',
  'download-queue-size',
  'download-queue-enabled',
  'seed-queue-size',
  'seed-queue-enabled',
])

/** The `settings.set` changes a session-set asks for; unsupported keys are refused by name. */
export function settingsChange(args: Arguments, current: Settings, speeds: SpeedMemory): Partial<Settings> {
  const unsupported = Object.keys(args).filter((key) => !SESSION_SET_KEYS.has(key))
  if (unsupported.length > 0)
    throw new RpcFailure(`session-set: Vouch does not support ${unsupported.join(', ')}`)
  speeds.remember(current)
  const change: Partial<Settings> = {}
  if (args['download-dir'] !== undefined) {
    if (typeof args['download-dir'] !== 'string')
      throw new RpcFailure('session-set: download-dir must be a path')
    change.downloadDir = args['download-dir']
  }
  const down = limit(
    current.downloadLimit,
    speeds.down,
    number(args, 'speed-limit-down', 0),
    flag(args, 'speed-limit-down-enabled'),
  )
  const up = limit(
    current.uploadLimit,
    speeds.up,
    number(args, 'speed-limit-up', 0),
    flag(args, 'speed-limit-up-enabled'),
  )
  if (down.setting !== current.downloadLimit) change.downloadLimit = down.setting
  if (up.setting !== current.uploadLimit) change.uploadLimit = up.setting
  speeds.down = down.remembered
  speeds.up = up.remembered
  const port = number(args, 'peer-port', 1)
  if (port !== undefined) change.listenPort = port
  for (const [key, setting] of [
    ['dht-enabled', 'dht'],
    ['pex-enabled', 'pex'],
    ['lpd-enabled', 'lsd'],
  ] as const) {
    const value = flag(args, key)
    if (value !== undefined) change[setting] = value
  }
  const ratio = number(args, 'seedRatioLimit', 0)
  const ratioLimited =
    flag(args, 'seedRatioLimited') ?? (ratio !== undefined ? current.seedRatioLimit !== null : undefined)
  if (ratioLimited !== undefined)
    change.seedRatioLimit = ratioLimited ? (ratio ?? current.seedRatioLimit ?? 2) : null
  for (const [size, enabled, setting] of [
    ['download-queue-size', 'download-queue-enabled', 'maxActiveDownloads'],
    ['seed-queue-size', 'seed-queue-enabled', 'maxActiveSeeds'],
  ] as const) {
    const value = number(args, size, 1)
    const on = flag(args, enabled) ?? (value !== undefined ? true : undefined)
    if (on !== undefined) change[setting] = on ? Math.round(value ?? current[setting] ?? 5) : null
  }
  return change
}
