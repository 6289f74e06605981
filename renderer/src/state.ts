// One-way UI state (the WebTorrent Desktop model): components dispatch actions, this reducer is
// the only place state changes, and events from the back end arrive as actions too.
import type {
  AppInfo,
  BanView,
  PeerView,
  PublisherView,
  TrustGroupView,
  Refusal,
  Settings,
  StatsSample,
  TorrentView,
} from '../../src/api/contract.ts'
import type { ConnectionState } from './api.ts'

export type Screen =
  'torrents' | 'peers' | 'bans' | 'trust' | 'feeds' | 'activity' | 'rules' | 'audit' | 'settings'

export interface Notice {
  id: number
  level: 'info' | 'warning' | 'error'
  message: string
}

export interface State {
  screen: Screen
  connection: ConnectionState
  info: AppInfo | null
  /** By infohash, in the order they were first seen. */
  torrents: Map<string, TorrentView>
  samples: StatsSample[]
  notices: Notice[]
  /** The refusal dialog being shown, if any. */
  refusal: Refusal | null
  publishers: PublisherView[]
  /** Threshold groups over the pinned keys (trust.list). */
  groups: TrustGroupView[]
  peers: PeerView[]
  bans: BanView[]
  /** Null until the back end has sent them. */
  settings: Settings | null
  /**
   * Changes the user made that the back end has not answered yet: they stay on top of any settings
   * the back end sends meanwhile (an earlier save's answer, a settings.changed event), so a quick
   * second change is never undone by the answer to the first.
   */
  unsavedSettings: { change: Partial<Settings>; saves: number }
}

export type Action =
  | { type: 'screen'; screen: Screen }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'info'; info: AppInfo }
  | { type: 'torrents'; torrents: TorrentView[] }
  | { type: 'torrent-updated'; torrent: TorrentView }
  | { type: 'torrent-removed'; infoHash: string }
  | { type: 'samples'; samples: StatsSample[] }
  | { type: 'sample'; sample: StatsSample }
  | { type: 'notice'; level: Notice['level']; message: string }
  | { type: 'dismiss-notice'; id: number }
  | { type: 'refused'; refusal: Refusal }
  | { type: 'close-refusal' }
  | { type: 'publishers'; publishers: PublisherView[]; groups: TrustGroupView[] }
  | { type: 'peers'; peers: PeerView[] }
  | { type: 'bans'; bans: BanView[] }
  | { type: 'settings'; settings: Settings }
  /** The user changed settings; a save is on its way. */
  | { type: 'settingsEdited'; change: Partial<Settings> }
  /** A save was answered (`settings`: the back end's settings after it; null when it failed). */
  | { type: 'settingsSaved'; settings: Settings | null }

/**
 * Samples kept for the charts: stats.history sends 24 hours (one a minute, then every sample of
 * the last five minutes); live samples are appended, and the oldest dropped past this many.
 */
export const MAX_SAMPLES = 2000
const MAX_NOTICES = 4
let nextNoticeId = 1

export const initialState: State = {
  screen: 'torrents',
  connection: 'connecting',
  info: null,
  torrents: new Map(),
  samples: [],
  notices: [],
  refusal: null,
  publishers: [],
  groups: [],
  peers: [],
  bans: [],
  settings: null,
  unsavedSettings: { change: {}, saves: 0 },
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'screen':
      return { ...state, screen: action.screen }
    case 'connection':
      return { ...state, connection: action.state }
    case 'info':
      return { ...state, info: action.info }
    case 'torrents':
      return { ...state, torrents: new Map(action.torrents.map((torrent) => [torrent.infoHash, torrent])) }
    case 'torrent-updated': {
      const torrents = new Map(state.torrents)
      torrents.set(action.torrent.infoHash, action.torrent)
      return { ...state, torrents }
    }
    case 'torrent-removed': {
      const torrents = new Map(state.torrents)
      torrents.delete(action.infoHash)
      return { ...state, torrents }
    }
    case 'samples':
      return { ...state, samples: action.samples.slice(-MAX_SAMPLES) }
    case 'sample':
      return { ...state, samples: [...state.samples, action.sample].slice(-MAX_SAMPLES) }
    case 'notice': {
      const notice = { id: nextNoticeId++, level: action.level, message: action.message }
      return { ...state, notices: [...state.notices, notice].slice(-MAX_NOTICES) }
    }
    case 'dismiss-notice':
      return { ...state, notices: state.notices.filter((notice) => notice.id !== action.id) }
    case 'refused':
      return { ...state, refusal: action.refusal }
    case 'close-refusal':
      return { ...state, refusal: null }
    case 'publishers':
      return { ...state, publishers: action.publishers, groups: action.groups }
    case 'peers':
      return { ...state, peers: action.peers }
    case 'bans':
      return { ...state, bans: action.bans }
    case 'settings':
      return { ...state, settings: { ...action.settings, ...state.unsavedSettings.change } }
    case 'settingsEdited':
      return {
        ...state,
        settings: state.settings && { ...state.settings, ...action.change },
        unsavedSettings: {
          change: { ...state.unsavedSettings.change, ...action.change },
          saves: state.unsavedSettings.saves + 1,
        },
      }
    case 'settingsSaved': {
      const saves = Math.max(0, state.unsavedSettings.saves - 1)
      const unsavedSettings = saves === 0 ? { change: {}, saves } : { ...state.unsavedSettings, saves }
      const base = action.settings ?? state.settings
      return { ...state, unsavedSettings, settings: base && { ...base, ...unsavedSettings.change } }
    }
    default:
      return assertNever(action)
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected action ${JSON.stringify(value)}`)
}
