/**
 * The API contract between the UI and everything behind it: every command and event, each with a
 * runtime schema. Both transports (Electron IPC and the headless WebSocket) carry exactly these
 * messages and go through one dispatcher (dispatcher.ts) that validates before any handler runs.
 *
 * The renderer imports this file with `import type` only (test/unit/layers.test.ts checks it), so
 * nothing here may be needed at run time by the UI: constants the preload needs are repeated
 * there and pinned equal by a test.
 *
 * This file is the command map; the views it answers with are grouped by what they describe under
 * contract/ (torrents, app, trust, feeds, bans, rules, audit) and the events are in
 * contract/events.ts. Each of those exports only names of the contract, all re-exported here, so
 * importers name this file alone.
 */
import { z } from 'zod'
import { ERROR_CODES } from '../errors.ts'
import { AppInfoSchema, AppStatusSchema, SettingsSchema, StatsSampleSchema } from './contract/app.ts'
import {
  BanReportSchema,
  BanViewSchema,
  BlocklistImportSchema,
  PeerViewSchema,
  REPORT_FORMATS,
  SubscriptionViewSchema,
} from './contract/bans.ts'
import type { EVENTS } from './contract/events.ts'
import { FeedDescriptionSchema, FeedViewSchema } from './contract/feeds.ts'
import { fingerprint, infoHash, peerAddress, rateLimit, uploadedFile } from './contract/fields.ts'
import { DryRunSchema, RulesViewSchema } from './contract/rules.ts'
import {
  AddResultSchema,
  FILE_PRIORITIES,
  OfferResultSchema,
  TorrentDetailsSchema,
  TorrentViewSchema,
} from './contract/torrents.ts'
import { PublisherViewSchema, RotationPreviewSchema, TrustGroupViewSchema } from './contract/trust.ts'

export * from './contract/app.ts'
export * from './contract/audit.ts'
export * from './contract/bans.ts'
export * from './contract/events.ts'
export * from './contract/feeds.ts'
export * from './contract/rules.ts'
export * from './contract/torrents.ts'
export * from './contract/trust.ts'

/** ipcMain.handle channel for commands. */
export const COMMAND_CHANNEL = 'vouch:command'
/** webContents.send channel for events. */
export const EVENT_CHANNEL = 'vouch:event'
/** Path of the WebSocket endpoint of the headless server. */
export const WEBSOCKET_PATH = '/api'
/**
 * WebSocket subprotocols of the headless API. A browser page offers both; the second carries the
 * token (a browser cannot set Authorization on a WebSocket, and a cookie would reach every other
 * server on the same host, whatever its port). The server answers with the first, never the token.
 */
export const WEBSOCKET_PROTOCOL = 'vouch.v1'
export const WEBSOCKET_TOKEN_PROTOCOL_PREFIX = 'vouch-token.'

/** A .torrent file sent by the UI, base64 encoded; matches MAX_TORRENT_FILE_BYTES (16 MiB). */
export const MAX_TORRENT_FILE_BASE64 = Math.ceil((16 * 1024 * 1024) / 3) * 4
/** Magnets carrying an envelope are long; anything past this is not a magnet a person pasted. */
export const MAX_SOURCE_LENGTH = 16 * 1024

export const ApiErrorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
})

const feedMagnet = z.string().trim().min(1).max(2048)
/** A rotation statement file is at most 4 KiB (docs/formats.md, "Key rotation"), so 5464 base64 characters. */
const rotationStatement = z
  .string()
  .trim()
  .min(1)
  .max(5464)
  .regex(/^[A-Za-z0-9+/\s]+={0,2}$/, 'expected the rotation statement file as base64')

/** A secret key file (`vouch keygen`) is under 200 bytes; anything near this is not one. */
export const MAX_KEY_FILE_BASE64 = 16 * 1024
/** Envelope text: a sidecar file (256 KiB at most), one envelope, or a magnet carrying envelopes. */
export const MAX_ENVELOPE_TEXT = 256 * 1024

/** The largest rules.json the API accepts. */
export const MAX_RULES_TEXT = 256 * 1024

const addOptions = {
  /** Explicit per-torrent override of the provenance policy (recorded in the audit log). */
  allowUnsigned: z.boolean().optional(),
  /** Peers to dial directly, HOST:PORT. */
  peers: z.array(peerAddress).max(64).optional(),
}

const noArgs = z.strictObject({})

/** Every command: its arguments and its result. */
export const COMMANDS = {
  'app.info': { args: noArgs, result: AppInfoSchema },
  'app.status': { args: noArgs, result: AppStatusSchema },
  'torrents.list': { args: noArgs, result: z.array(TorrentViewSchema) },
  /** Add a magnet link or an infohash. */
  'torrents.add': {
    args: z.strictObject({ source: z.string().trim().min(1).max(MAX_SOURCE_LENGTH), ...addOptions }),
    result: AddResultSchema,
  },
  /** Add a .torrent file the user picked or dropped. */
  'torrents.addFile': {
    args: z.strictObject({
      fileName: z.string().min(1).max(1024),
      contentBase64: z.base64().max(MAX_TORRENT_FILE_BASE64),
      ...addOptions,
    }),
    result: AddResultSchema,
  },
  /**
   * Envelopes for a magnet the provenance gate holds: the text of a sidecar file, one envelope, or
   * a magnet link carrying envelopes. Accepted: the download starts; refused: it stays held.
   */
  'torrents.offerEnvelope': {
    args: z.strictObject({ infoHash, text: z.string().trim().min(1).max(MAX_ENVELOPE_TEXT) }),
    result: OfferResultSchema,
  },
  /** `deleteData`: also delete the torrent's files (only those, only under its save path). */
  'torrents.remove': {
    args: z.strictObject({ infoHash, deleteData: z.boolean().optional() }),
    result: z.object({ removed: z.boolean() }),
  },
  /** Close every connection of a torrent and make no new ones until resumed (kept across restarts). */
  'torrents.pause': { args: z.strictObject({ infoHash }), result: TorrentViewSchema },
  'torrents.resume': { args: z.strictObject({ infoHash }), result: TorrentViewSchema },
  /** Dial a peer for this torrent; it is remembered and dialled again after a resume or restart. */
  'torrents.addPeer': {
    args: z.strictObject({ infoHash, address: peerAddress }),
    result: z.object({ added: z.boolean() }),
  },
  /** Files, peers, trackers and the pieces map of one torrent. */
  'torrents.details': { args: z.strictObject({ infoHash }), result: TorrentDetailsSchema },
  /** Change file priorities (by index); kept across restarts. */
  'torrents.setFiles': {
    args: z.strictObject({
      infoHash,
      files: z
        .array(
          z.strictObject({
            index: z.number().int().nonnegative().max(1_000_000),
            priority: z.enum(FILE_PRIORITIES),
          }),
        )
        .min(1)
        .max(100_000),
    }),
    result: TorrentDetailsSchema,
  },
  /** Set or lift (null) this torrent's own download and upload limits; kept across restarts. */
  'torrents.setLimits': {
    args: z
      .strictObject({ infoHash, downloadLimit: rateLimit.optional(), uploadLimit: rateLimit.optional() })
      .refine(
        (args) => args.downloadLimit !== undefined || args.uploadLimit !== undefined,
        'expected downloadLimit or uploadLimit (bytes per second, or null for no limit)',
      ),
    result: TorrentDetailsSchema,
  },
  /** Announce to the torrent's trackers and the DHT now. */
  'torrents.reannounce': { args: z.strictObject({ infoHash }), result: z.object({ ok: z.literal(true) }) },
  'settings.get': { args: noArgs, result: SettingsSchema },
  /** Change some settings; the answer is all of them as now saved and applied. */
  'settings.set': { args: SettingsSchema.partial(), result: SettingsSchema },
  /** The recent speed and hash-failure samples, oldest first. */
  'stats.history': { args: noArgs, result: z.array(StatsSampleSchema) },

  /** The pinned (and revoked, and rotated) keys, and the threshold groups over them. */
  'trust.list': {
    args: noArgs,
    result: z.object({ publishers: z.array(PublisherViewSchema), groups: z.array(TrustGroupViewSchema) }),
  },
  /** Pin a key (or update the name, expiry and scope of one already pinned). */
  'trust.pin': {
    args: z.strictObject({
      /** `vouch-ed25519 …` or an OpenSSH `ssh-ed25519 AAAA…` line. */
      publicKey: z.string().trim().min(1).max(2000),
      name: z.string().trim().min(1).max(200),
      expires: z.iso.datetime({ offset: true }).optional(),
      scope: z.string().min(1).max(500).optional(),
    }),
    result: PublisherViewSchema,
  },
  /** Unpin a key (revoked keys stay listed). */
  'trust.remove': { args: z.strictObject({ fingerprint: fingerprint }), result: PublisherViewSchema },
  /** Refuse a key forever. */
  'trust.revoke': { args: z.strictObject({ fingerprint: fingerprint }), result: PublisherViewSchema },
  /**
   * Pin a group of `keys` of which `threshold` must sign each release (k of n). Each key is public
   * key text (`vouch-ed25519 …`, `ssh-ed25519 …`, 64 hex digits) or the fingerprint of a key
   * already pinned; keys not yet pinned are pinned under the group's name.
   */
  'trust.addGroup': {
    args: z.strictObject({
      name: z.string().trim().min(1).max(200),
      threshold: z.number().int(),
      keys: z.array(z.string().trim().min(1).max(2000)).min(1).max(16),
    }),
    result: TrustGroupViewSchema,
  },
  /** Read a rotation statement (`vouch trust rotate-sign`'s file, base64) without applying it. */
  'trust.describeRotation': {
    args: z.strictObject({ statementBase64: rotationStatement }),
    result: RotationPreviewSchema,
  },
  /** Apply a rotation statement: the pin moves to the new key; the old one stays listed as rotated. */
  'trust.rotate': {
    args: z.strictObject({ statementBase64: rotationStatement }),
    result: PublisherViewSchema,
  },

  'peers.list': {
    args: z.strictObject({ limit: z.number().int().min(1).max(10_000).optional() }),
    result: z.array(PeerViewSchema),
  },
  'bans.list': { args: noArgs, result: z.array(BanViewSchema) },
  'bans.lift': {
    args: z.strictObject({ address: z.string().min(1).max(100) }),
    result: z.object({
      lifted: z.number(),
      /** Ranges lifted because they covered the address (`first-last (source: label)`). */
      ranges: z.array(z.string()),
    }),
  },
  /**
   * Ban one address by hand (IPv4, or IPv6, which bans its /64): enforced and audited like an
   * automatic ban, source `manual`; open connections to it close at once. Ranges: bans.import.
   */
  'bans.create': {
    args: z.strictObject({
      address: z.string().trim().min(2).max(100),
      /** Why, for people; kept as the ban's note. */
      reason: z.string().max(500).optional(),
      /** ms since epoch; null or absent = permanent. */
      expiresAt: z.number().int().positive().nullable().optional(),
    }),
    result: BanViewSchema,
  },
  /** The hash-chained audit log from the store, newest first, a page at a time. */
  'audit.list': {
    args: z.strictObject({
      /** One event type, e.g. `ban.created`, `provenance.refused`, `provenance.override`. */
      kind: z.string().trim().min(1).max(100).optional(),
      /** Only events older than this seq (the previous page's `nextBefore`). */
      before: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
    result: z.object({
      entries: z.array(
        z.object({
          seq: z.number().int().positive(),
          /** ms since epoch */
          at: z.number(),
          kind: z.string(),
          /** What it is about: an infohash, an address, a fingerprint, a file. */
          subject: z.string(),
          /** One line for people. */
          summary: z.string(),
          details: z.record(z.string(), z.unknown()),
        }),
      ),
      nextBefore: z.number().int().positive().nullable(),
    }),
  },
  /** A report other clients import (P2P, DAT) or tools read (JSON, CSV). */
  'bans.export': {
    args: z.strictObject({
      format: z.enum(REPORT_FORMATS),
      pseudonymise: z.boolean().optional(),
      /** Sign with the user's secret key file, picked in the browser; used once, never stored. */
      signingKey: uploadedFile(MAX_KEY_FILE_BASE64).optional(),
    }),
    result: BanReportSchema,
  },
  /**
   * Ban every range of a blocklist file the user picked (P2P, DAT, CIDR, plain addresses, gzip
   * too); open connections to listed addresses close at once. Malformed lines are counted.
   */
  'bans.import': {
    args: uploadedFile(MAX_TORRENT_FILE_BASE64).extend({
      /** Import the entries that would otherwise be refused (too wide, loopback, own address). */
      force: z.boolean().optional(),
    }),
    result: BlocklistImportSchema,
  },

  'feeds.list': { args: noArgs, result: z.array(FeedViewSchema) },
  /** Read a pasted feed magnet: its key's fingerprint, and whether that key is pinned yet. */
  'feeds.describe': { args: z.strictObject({ magnet: feedMagnet }), result: FeedDescriptionSchema },
  /** Follow a feed; refused (with the key) until its key is pinned. */
  'feeds.follow': {
    args: z.strictObject({ magnet: feedMagnet, notifyOnly: z.boolean().optional() }),
    result: FeedViewSchema,
  },
  'feeds.remove': {
    args: z.strictObject({ id: z.string().regex(/^[0-9a-f]{40}$/) }),
    result: FeedViewSchema,
  },

  'subscriptions.list': { args: noArgs, result: z.array(SubscriptionViewSchema) },
  /** Subscribe to a blocklist URL (http/https) and fetch it now; `vouch serve` fetches it again when due. */
  'subscriptions.add': {
    args: z.strictObject({
      url: z.string().trim().min(1).max(2000),
      everyMs: z
        .number()
        .int()
        .min(10_000)
        .max(30 * 86_400_000)
        .optional(),
    }),
    result: SubscriptionViewSchema,
  },
  /** Stop following a blocklist and lift the bans it imported. */
  'subscriptions.remove': {
    args: z.strictObject({ url: z.string().trim().min(1).max(2000) }),
    result: z.object({ removed: z.boolean(), lifted: z.number().int().nonnegative() }),
  },

  /** The ban rules file (HOME/rules.json), or the defaults. */
  'rules.get': { args: noArgs, result: RulesViewSchema },
  /** Validate and save rules.json; the running engine applies it to new connections at once. */
  'rules.set': {
    args: z.strictObject({ text: z.string().min(1).max(MAX_RULES_TEXT) }),
    result: RulesViewSchema,
  },
  /** Dry run: which recorded peers these rules (default: the saved ones) would have banned, and why. */
  'rules.test': {
    args: z.strictObject({ text: z.string().min(1).max(MAX_RULES_TEXT).optional() }),
    result: DryRunSchema,
  },
} as const

export type CommandName = keyof typeof COMMANDS
export type EventName = keyof typeof EVENTS

/** Command names as keys of one type; arguments and results come from the schemas of COMMANDS. */
export type Commands = {
  [K in CommandName]: {
    /** What a caller sends (optional fields may be left out). */
    args: z.input<(typeof COMMANDS)[K]['args']>
    /** What a handler receives after validation. */
    parsedArgs: z.output<(typeof COMMANDS)[K]['args']>
    result: z.output<(typeof COMMANDS)[K]['result']>
  }
}
export type CommandArgs<K extends CommandName> = Commands[K]['args']
export type CommandResult<K extends CommandName> = Commands[K]['result']
export type Events = { [K in EventName]: z.output<(typeof EVENTS)[K]> }

export type ApiError = z.output<typeof ApiErrorSchema>

/** A command as it travels: `id` pairs the response with its request (WebSocket only). */
export const CommandMessageSchema = z.strictObject({
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  command: z.string().min(1).max(100),
  args: z.unknown().optional(),
})
export type CommandMessage = z.input<typeof CommandMessageSchema>

export type CommandResponse<K extends CommandName = CommandName> =
  { id?: number; ok: true; result: CommandResult<K> } | { id?: number; ok: false; error: ApiError }

export type EventMessage = { [K in EventName]: { event: K; payload: Events[K] } }[EventName]

/** What the Electron preload exposes as `window.vouch`: nothing but the contract's two verbs. */
export interface VouchBridge {
  command(message: CommandMessage): Promise<CommandResponse>
  /** The desktop shell's own commands (DESKTOP_COMMANDS); absent in the web UI. */
  desktop?(message: CommandMessage): Promise<DesktopResponse>
  /** Returns a function that stops listening. */
  onEvent(listener: (message: EventMessage) => void): () => void
}

/** invoke channel of the desktop shell's own commands, which `vouch serve` does not have. */
export const DESKTOP_CHANNEL = 'vouch:desktop'

/** Commands only the Electron main process answers (electron/desktop-commands.ts). */
export const DESKTOP_COMMANDS = {
  /**
   * Show the torrent's data (its file, or its folder) in the system's file manager. The renderer
   * names the torrent, never a path: the main process resolves it under the torrent's save path.
   */
  'desktop.revealTorrent': {
    args: z.strictObject({ infoHash }),
    result: z.object({ path: z.string() }),
  },
} as const

export type DesktopCommandName = keyof typeof DESKTOP_COMMANDS
export type DesktopResponse =
  | { id?: number; ok: true; result: z.output<(typeof DESKTOP_COMMANDS)[DesktopCommandName]['result']> }
  | { id?: number; ok: false; error: ApiError }
