import type { Ban } from '../defence/ban-store.ts'
import type { Defence } from '../defence/defence.ts'
import { pseudonymise, pseudonymKey } from '../reputation/pseudonym.ts'
import { buildReport } from '../reputation/report.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { BanView, ReportFormat } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'

export function banView(ban: Ban): BanView {
  return {
    address: ban.address,
    rangeEnd: ban.rangeEnd,
    reason: ban.reason,
    source: ban.source,
    evidence: ban.evidence,
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
  events: EventBus
}

type ReputationHandlers = Pick<Handlers, 'peers.list' | 'bans.list' | 'bans.lift' | 'bans.export'>

/** The peers and bans screens' commands, over the reputation store and the defence. */
export function reputationHandlers(context: ReputationContext): ReputationHandlers {
  const { store } = context
  return {
    'peers.list': ({ limit }) => {
      const connections = context.connections()
      return store.peers({ limit: limit ?? 500 }).map((peer) => ({
        ...peer,
        connections: connections.get(peer.address) ?? 0,
        banned: store.banFor(peer.address) !== undefined,
      }))
    },
    'bans.list': () => store.list().map(banView),
    'bans.lift': ({ address }) => {
      const lifted = context.defence ? context.defence.lift(address) : store.lift(address)
      if (lifted > 0) context.events.publish('bans.changed', {})
      return { lifted }
    },
    'bans.export': ({ format, pseudonymise: hideAddresses }) => {
      const key = hideAddresses ? pseudonymKey(context.home) : undefined
      const report = buildReport(store.list(), format, {
        now: Date.now(),
        ...(key ? { pseudonymise: (address: string) => pseudonymise(key, address) } : {}),
      })
      return {
        format,
        fileName: FILE_NAMES[format],
        mediaType: MEDIA_TYPES[format],
        text: report.text,
        included: report.included,
        omitted: report.omitted,
      }
    },
  }
}
