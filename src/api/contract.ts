/**
 * The API contract between the UI and everything behind it: every command and event, each with a
 * runtime schema. Both transports (Electron IPC and the headless WebSocket) carry exactly these
 * messages and go through one dispatcher (dispatcher.ts) that validates before any handler runs.
 *
 * The renderer imports this file with `import type` only (test/unit/layers.test.ts checks it), so
 * nothing here may be needed at run time by the UI: constants the preload needs are repeated
 * there and pinned equal by a test.
 */
import { z } from 'zod'
import { ERROR_CODES } from '../errors.ts'

/** ipcMain.handle channel for commands. */
export const COMMAND_CHANNEL = 'vouch:command'
/** webContents.send channel for events. */
export const EVENT_CHANNEL = 'vouch:event'
/** Path of the WebSocket endpoint of the headless server. */
export const WEBSOCKET_PATH = '/api'

/** A .torrent file sent by the UI, base64 encoded; matches MAX_TORRENT_FILE_BYTES (16 MiB). */
export const MAX_TORRENT_FILE_BASE64 = Math.ceil((16 * 1024 * 1024) / 3) * 4
/** Magnets carrying an envelope are long; anything past this is not a magnet a person pasted. */
export const MAX_SOURCE_LENGTH = 16 * 1024

const infoHash = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character lowercase hex infohash')
const peerAddress = z.string().min(3).max(300)
const nonNegative = z.number().nonnegative()

export const ApiErrorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
})

/** Who signed a torrent, as the trust store knows them. */
export const PublisherSchema = z.object({
  name: z.string(),
  /** Short fingerprint shown to people. */
  fingerprint: z.string(),
})

/**
 * The provenance badge of a torrent. `unchecked` means no provenance gate is attached to the
 * engine; `unsigned-allowed` means the user explicitly overrode the policy for this torrent.
 */
export const ProvenanceSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('unchecked') }),
  z.object({ status: z.literal('unsigned-allowed') }),
  z.object({ status: z.literal('signed'), publishers: z.array(PublisherSchema).min(1) }),
])

export const TorrentViewSchema = z.object({
  infoHash,
  name: z.string(),
  /** Bytes; 0 until metadata arrives. */
  length: nonNegative,
  downloaded: nonNegative,
  uploaded: nonNegative,
  /** 0..1 */
  progress: z.number().min(0).max(1),
  /** Bytes per second. */
  downloadSpeed: nonNegative,
  uploadSpeed: nonNegative,
  numPeers: z.number().int().nonnegative(),
  /** Milliseconds; null when unknown. */
  timeRemaining: nonNegative.nullable(),
  done: z.boolean(),
  /** False for a magnet until a peer sends the metadata. */
  hasMetadata: z.boolean(),
  provenance: ProvenanceSchema,
})

/** Why the provenance policy refused a torrent, with what the user needs to decide to pin. */
export const RefusalSchema = z.object({
  /** The gate's reason code (unsigned, unknown-publisher, bad-signature, expired, ...). */
  code: z.string(),
  /** One sentence for people. */
  reason: z.string(),
  /** What was being added: a file name or a magnet link. */
  source: z.string(),
  infoHash: infoHash.nullable(),
  /** The signing key, when the torrent carried a signature from a key we do not trust. */
  publisher: z
    .object({ fingerprint: z.string(), publicKey: z.string(), name: z.string().nullable() })
    .nullable(),
})

export const AddResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('added'), infoHash, name: z.string() }),
  z.object({ status: z.literal('refused'), refusal: RefusalSchema }),
])

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
  /** Which feature modules are attached to this engine; the UI hides screens for the others. */
  features: z.object({ provenance: z.boolean(), defence: z.boolean(), reputation: z.boolean() }),
})

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
  'torrents.remove': {
    args: z.strictObject({ infoHash, deleteData: z.boolean().optional() }),
    result: z.object({ removed: z.boolean() }),
  },
  /** The recent speed and hash-failure samples, oldest first. */
  'stats.history': { args: noArgs, result: z.array(StatsSampleSchema) },
} as const

/** Every event the UI can receive. */
export const EVENTS = {
  /** A torrent's numbers changed (sent about once a second per active torrent). */
  'torrent.updated': TorrentViewSchema,
  'torrent.removed': z.object({ infoHash }),
  'torrent.done': z.object({ infoHash, name: z.string() }),
  /** A torrent added outside the UI (magnet: link, command line) was refused. */
  'torrent.refused': RefusalSchema,
  /** Something the user should see: a recoverable warning or a failure. */
  notice: z.object({
    level: z.enum(['warning', 'error']),
    infoHash: infoHash.nullable(),
    message: z.string(),
  }),
  'stats.sample': StatsSampleSchema,
} as const

export type CommandName = keyof typeof COMMANDS
export type EventName = keyof typeof EVENTS

/** Command names as keys of one type; arguments and results come from the schemas above. */
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
export type TorrentView = z.output<typeof TorrentViewSchema>
export type Provenance = z.output<typeof ProvenanceSchema>
export type Refusal = z.output<typeof RefusalSchema>
export type AddResult = z.output<typeof AddResultSchema>
export type StatsSample = z.output<typeof StatsSampleSchema>
export type AppInfo = z.output<typeof AppInfoSchema>

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
  /** Returns a function that stops listening. */
  onEvent(listener: (message: EventMessage) => void): () => void
}
