/**
 * The contract's application-wide views: the settings screen, the status bar, the app's own
 * facts and the speed chart's samples. Part of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'
import { nonNegative, rateLimit } from './fields.ts'

/**
 * The settings screen, persisted in HOME/settings.json and applied at once: the listening port
 * too (the engine listens on the new one, open connections stay), PEX (for new connections), the
 * DHT and LSD; UPnP and NAT-PMP apply when the engine next starts (docs/decisions.md). No setting
 * makes unsigned torrents acceptable.
 */
export const SettingsSchema = z.strictObject({
  /** Absolute path where new torrents are saved. */
  downloadDir: z
    .string()
    .min(1)
    .max(4096)
    .refine((dir) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(dir), 'expected an absolute path'),
  downloadLimit: rateLimit,
  uploadLimit: rateLimit,
  /** Pause a seeding torrent once uploaded ÷ downloaded reaches this. */
  seedRatioLimit: z.number().positive().max(1000).nullable(),
  /** Pause a torrent once it has seeded this long. */
  seedTimeLimitMinutes: z.number().int().positive().max(525_600).nullable(),
  /** Downloads running at once; the rest wait, `queued`. */
  maxActiveDownloads: z.number().int().positive().max(10_000).nullable(),
  maxActiveSeeds: z.number().int().positive().max(10_000).nullable(),
  /** Port for peers; null = any free port. */
  listenPort: z.number().int().min(1).max(65535).nullable(),
  dht: z.boolean(),
  lsd: z.boolean(),
  upnp: z.boolean(),
  natPmp: z.boolean(),
  pex: z.boolean(),
  notifications: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
})

/** One point of the speed / hash-failure chart; the server samples once a second. */
export const StatsSampleSchema = z.object({
  /** ms since epoch */
  at: z.number(),
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  /** Pieces that failed their hash in this interval, over all torrents. */
  hashFailures: z.number().int().nonnegative(),
})

export const AppInfoSchema = z.object({
  version: z.string(),
  downloadDir: z.string(),
  /** The data directory (trust store, reputation database, torrent list). */
  home: z.string(),
})

/** The status bar: totals over all torrents, the DHT and the download folder's disk. */
export const AppStatusSchema = z.object({
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  /** Nodes in the DHT routing table; 0 when the DHT is off. */
  dhtNodes: z.number().int().nonnegative(),
  /** Free bytes on the download folder's file system; null when it cannot be read. */
  freeDiskBytes: nonNegative.nullable(),
  downloadDir: z.string(),
})

export type Settings = z.output<typeof SettingsSchema>
export type AppStatus = z.output<typeof AppStatusSchema>
export type StatsSample = z.output<typeof StatsSampleSchema>
export type AppInfo = z.output<typeof AppInfoSchema>
