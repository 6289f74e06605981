import { isIP } from 'node:net'
import { VouchError } from '../errors.ts'
import type { LivePeer } from '../engine/live-peers.ts'
import { auditPage } from '../reputation/audit-log.ts'
import type { Ban } from '../defence/ban-store.ts'
import { importBlocklist } from '../reputation/blocklist-import.ts'
import { describeCover, liftCovering } from '../reputation/lift-covering.ts'
import type { Defence } from '../defence/defence.ts'
import { pseudonymise, pseudonymKey } from '../reputation/pseudonym.ts'
import { buildReport } from '../reputation/report.ts'
import { readSigningKey, signReport } from '../reputation/report-signature.ts'
import type { ReputationStore } from '../reputation/store.ts'
import { MAX_MALFORMED_LISTED, type BanView, type ReportFormat } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'

/** A torrent's name by infohash, while the engine has it; null otherwise. */
export type TorrentNames = (infoHash: string) => string | null

export function banView(ban: Ban, torrentName: TorrentNames = () => null): BanView {
  const infoHash = ban.evidence?.infoHash ?? null
  return {
    address: ban.address,
    rangeEnd: ban.rangeEnd,
    reason: ban.reason,
    source: ban.source,
    evidence: ban.evidence,
    torrentName: infoHash ? torrentName(infoHash) : null,
    note: ban.note,
    createdAt: ban.createdAt,
    expiresAt: ban.expiresAt,
  }
}

const MEDIA_TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  p2p: 'text/plain',
  dat: 'text/plain',
}
const FILE_NAMES: Record<ReportFormat, string> = {
  json: 'vouch-bans.json',
  csv: 'vouch-bans.csv',
  p2p: 'vouch-bans.p2p',
  dat: 'ipfilter.dat',
}

export interface ReputationContext {
  store: ReputationStore
  /** The engine's defence, which also unblocks a lifted address; null when it is off. */
  defence: Defence | null
  home: string
  /** Open connections per address key right now. */
  connections(): Map<string, number>
  torrentName: TorrentNames
  /** Live connections by address key: clients, torrents and speeds (engine's livePeers). */
  livePeers(): Map<string, LivePeer>
  events: EventBus
}

type ReputationHandlers = Pick<
  Handlers,
  'peers.list' | 'bans.list' | 'bans.lift' | 'bans.create' | 'bans.export' | 'bans.import' | 'audit.list'
>

function decodeUpload(contentBase64: string): Uint8Array {
  return new Uint8Array(Buffer.from(contentBase64, 'base64'))
}

/** The peers and bans screens' commands, over the reputation store and the defence. */
export function reputationHandlers(context: ReputationContext): ReputationHandlers {
  const { store } = context
  return {
    'peers.list': ({ limit }) => {
      const connections = context.connections()
      const live = context.livePeers()
      return store.peers({ limit: limit ?? 500 }).map((peer) => {
        const now = live.get(peer.address)
        const open = Math.max(connections.get(peer.address) ?? 0, now?.connections ?? 0)
        return {
          ...peer,
          connections: open,
          banned: store.banFor(peer.address) !== undefined,
          connected: open > 0,
          client: now?.clients[0] ?? peer.clients.at(-1) ?? null,
          torrents: now?.torrents ?? [],
          downloadSpeed: now?.downloadSpeed ?? 0,
          uploadSpeed: now?.uploadSpeed ?? 0,
        }
      })
    },
    'bans.list': () => store.list().map((ban) => banView(ban, context.torrentName)),
    'bans.lift': ({ address }) => {
      const lift = (text: string) => (context.defence ? context.defence.lift(text) : store.lift(text))
      const { lifted, ranges } = liftCovering(address, lift, store)
      if (ranges.length > 0)
        store.record({
          type: 'ban.lifted',
          subject: address,
          details: { lifted, by: 'user', ranges: ranges.map(describeCover) },
        })
      if (lifted > 0) context.events.publish('bans.changed', {})
      return { lifted, ranges: ranges.map(describeCover) }
    },
    'bans.create': ({ address, reason, expiresAt }) => {
      if (!context.defence)
        throw new VouchError('bad-input', 'this engine runs without the defence: it cannot ban')
      if (isIP(address.replace(/^\[|\]$/g, '')) === 0) {
        throw new VouchError(
          'bad-input',
          `'${address}' is not an IPv4 or IPv6 address (ban ranges with bans.import)`,
          {
            address,
          },
        )
      }
      if (expiresAt !== undefined && expiresAt !== null && expiresAt <= Date.now()) {
        throw new VouchError('bad-input', 'expiresAt is in the past', { expiresAt })
      }
      const ban = context.defence.ban(address, { note: reason ?? '', expiresAt: expiresAt ?? null })
      context.events.publish('bans.changed', {})
      return banView(ban)
    },
    'audit.list': ({ kind, before, limit }) => {
      store.flush()
      const page = auditPage(store.database, {
        ...(kind === undefined ? {} : { kind }),
        ...(before === undefined ? {} : { before }),
        limit: limit ?? 50,
      })
      return {
        nextBefore: page.nextBefore,
        entries: page.entries.map((entry) => ({
          ...entry,
          summary: auditSummary(entry.kind, entry.subject, entry.details),
        })),
      }
    },
    'bans.export': ({ format, pseudonymise: hideAddresses, signingKey }) => {
      // The key file's bytes live only for this call: nothing writes or keeps them.
      const secret = signingKey
        ? readSigningKey(new TextDecoder().decode(decodeUpload(signingKey.contentBase64)))
        : undefined
      const key = hideAddresses ? pseudonymKey(context.home) : undefined
      const report = buildReport(store.list(), format, {
        now: Date.now(),
        ...(key ? { pseudonymise: (address: string) => pseudonymise(key, address) } : {}),
      })
      return {
        format,
        fileName: FILE_NAMES[format],
        mediaType: MEDIA_TYPES[format],
        text: secret ? signReport(format, report.text, secret) : report.text,
        included: report.included,
        omitted: report.omitted,
        signedBy: secret?.fingerprint ?? null,
      }
    },
    'bans.import': ({ fileName, contentBase64, force }) => {
      // Connections open now to addresses no ban covers yet: the import closes those it lists.
      const open = [...context.connections()].filter(([address]) => store.banFor(address) === undefined)
      const summary = importBlocklist(store, decodeUpload(contentBase64), {
        subject: fileName,
        force: force ?? false,
        details: { via: 'ui' },
      })
      const connectionsClosed = open
        .filter(([address]) => store.banFor(address) !== undefined)
        .reduce((sum, [, count]) => sum + count, 0)
      return {
        imported: summary.added.length,
        alreadyBanned: summary.alreadyBanned,
        allowed: summary.allowed,
        malformedLines: summary.malformedLines,
        malformed: summary.malformed.slice(0, MAX_MALFORMED_LISTED),
        connectionsClosed,
        refusedCount: summary.refusedCount,
        refused: summary.refused.slice(0, MAX_MALFORMED_LISTED),
      }
    },
  }
}

/** One line for the audit screen: the kind in words, its subject and the reason when there is one. */
export function auditSummary(kind: string, subject: string, details: Record<string, unknown>): string {
  const reason = typeof details.reason === 'string' ? ` (${details.reason})` : ''
  return `${kind.replace('.', ' ')} ${subject}${reason}`
}
