import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react'
import type { EventMessage, TorrentView } from '../../src/api/contract.ts'
import {
  addSource,
  addTorrentFile,
  changePublisher,
  exportBans,
  importBlocklist,
  liftBan,
  offerEnvelope,
  pinPublisher,
  refreshBans,
  refreshPeers,
  refreshPublishers,
  removeTorrent,
  type AddOptions,
} from './actions.ts'
import type { Api } from './api.ts'
import { OfferEnvelopeDialog } from './components/OfferEnvelopeDialog.tsx'
import { RefusalDialog } from './components/RefusalDialog.tsx'
import { ActivityScreen } from './screens/ActivityScreen.tsx'
import { BansScreen } from './screens/BansScreen.tsx'
import { PeersScreen } from './screens/PeersScreen.tsx'
import { TorrentsScreen } from './screens/TorrentsScreen.tsx'
import { TrustScreen } from './screens/TrustScreen.tsx'
import { initialState, reduce, type Action, type Screen } from './state.ts'
import { applyTheme, loadTheme, type ThemeChoice } from './theme.ts'

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'torrents', label: 'Torrents' },
  { id: 'peers', label: 'Peers' },
  { id: 'bans', label: 'Bans' },
  { id: 'trust', label: 'Trust' },
  { id: 'activity', label: 'Activity' },
]

const NOTICE_MS = 6000

function eventToAction(message: EventMessage): Action | null {
  switch (message.event) {
    case 'torrent.updated':
      return { type: 'torrent-updated', torrent: message.payload }
    case 'torrent.removed':
      return { type: 'torrent-removed', infoHash: message.payload.infoHash }
    case 'torrent.done':
      return { type: 'notice', level: 'info', message: `Finished ${message.payload.name}` }
    case 'torrent.refused':
      return { type: 'refused', refusal: message.payload }
    case 'notice':
      // Warnings (tracker hiccups, failed pieces) show up in the chart and views, not as toasts.
      return message.payload.level === 'error'
        ? { type: 'notice', level: 'error', message: message.payload.message }
        : null
    case 'stats.sample':
      return { type: 'sample', sample: message.payload }
    case 'ban.created':
      return {
        type: 'notice',
        level: 'warning',
        message: `Banned ${message.payload.address}: ${message.payload.reason}${message.payload.connectionsClosed ? `, ${message.payload.connectionsClosed} connections closed` : ''}`,
      }
    case 'bans.changed':
    case 'trust.changed':
      return null
    default:
      return null
  }
}

export function App({ api }: { api: Api }) {
  const [state, dispatch] = useReducer(reduce, initialState)
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme)
  const [dragging, setDragging] = useState(false)
  const [peerText, setPeerText] = useState('')
  /** The held magnet whose "add signature" dialog is open, by infohash. */
  const [offering, setOffering] = useState<string | null>(null)
  const addOptions = useMemo((): AddOptions => {
    const peers = peerText.split(/[\s,]+/).filter((peer) => peer !== '')
    return peers.length ? { peers } : {}
  }, [peerText])

  useEffect(() => applyTheme(theme), [theme])

  // Information fades after a few seconds; errors stay until dismissed.
  useEffect(() => {
    const timers = state.notices
      .filter((notice) => notice.level === 'info')
      .map((notice) => setTimeout(() => dispatch({ type: 'dismiss-notice', id: notice.id }), NOTICE_MS))
    return () => timers.forEach(clearTimeout)
  }, [state.notices])

  /** Re-runs the add that led to the refusal being shown (after the user pinned its publisher). */
  const retryAdd = useRef<(() => Promise<boolean>) | null>(null)

  const refresh = useCallback(async () => {
    const [info, torrents, samples] = await Promise.all([
      api.call('app.info', {}),
      api.call('torrents.list', {}),
      api.call('stats.history', {}),
    ])
    dispatch({ type: 'info', info })
    dispatch({ type: 'torrents', torrents })
    dispatch({ type: 'samples', samples })
    await Promise.all([
      refreshPublishers(api, dispatch),
      refreshBans(api, dispatch),
      refreshPeers(api, dispatch),
    ])
  }, [api])

  useEffect(() => {
    const offEvents = api.onEvent((message) => {
      const action = eventToAction(message)
      if (action) dispatch(action)
      if (message.event === 'torrent.refused') retryAdd.current = null
      if (message.event === 'ban.created' || message.event === 'bans.changed') void refreshBans(api, dispatch)
      if (message.event === 'trust.changed') void refreshPublishers(api, dispatch)
    })
    const offConnection = api.onConnection((connection) => {
      dispatch({ type: 'connection', state: connection })
      if (connection === 'open') void refresh().catch(() => undefined)
    })
    return () => {
      offEvents()
      offConnection()
    }
  }, [api, refresh])

  // Peers change with every block; refresh the view while it is on screen.
  useEffect(() => {
    if (state.screen !== 'peers') return
    void refreshPeers(api, dispatch).catch(() => undefined)
    const timer = setInterval(() => void refreshPeers(api, dispatch).catch(() => undefined), 2000)
    return () => clearInterval(timer)
  }, [api, state.screen])

  const torrents = useMemo(() => [...state.torrents.values()], [state.torrents])
  const offeredTorrent = offering ? state.torrents.get(offering) : undefined

  function addSourceWithRetry(source: string) {
    const attempt = () => addSource(api, dispatch, source, addOptions)
    retryAdd.current = attempt
    return attempt()
  }

  function addFileWithRetry(file: File) {
    const attempt = () => addTorrentFile(api, dispatch, file, addOptions)
    retryAdd.current = attempt
    return attempt()
  }

  async function pinAndRetry(name: string): Promise<boolean> {
    const publicKey = state.refusal?.publisher?.publicKey
    if (!publicKey || !(await pinPublisher(api, dispatch, { publicKey, name }))) return false
    const retry = retryAdd.current
    retryAdd.current = null
    if (!retry) {
      dispatch({
        type: 'notice',
        level: 'info',
        message: 'Publisher pinned: open the torrent again to add it',
      })
      return true
    }
    dispatch({ type: 'close-refusal' })
    await retry()
    return false
  }

  function onDrop(event: DragEvent) {
    event.preventDefault()
    setDragging(false)
    for (const file of event.dataTransfer.files) void addTorrentFile(api, dispatch, file, addOptions)
    const text = event.dataTransfer.getData('text/plain').trim()
    if (event.dataTransfer.files.length === 0 && /^magnet:/i.test(text))
      void addSource(api, dispatch, text, addOptions)
  }

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(event) => {
        event.preventDefault()
        event.dataTransfer.dropEffect = 'copy'
        setDragging(true)
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false)
      }}
      onDrop={onDrop}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <h1 className="brand">Vouch</h1>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((screen) => (
              <li key={screen.id}>
                <button
                  type="button"
                  className="nav-button"
                  aria-current={state.screen === screen.id ? 'page' : undefined}
                  onClick={() => dispatch({ type: 'screen', screen: screen.id })}
                >
                  {screen.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <label className="theme-picker">
          Theme{' '}
          <select value={theme} onChange={(event) => setTheme(event.target.value as ThemeChoice)}>
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </header>
      {state.connection !== 'open' ? (
        <p className="connection" role="status">
          {state.connection === 'connecting' ? 'Connecting to Vouch…' : 'Connection lost; reconnecting…'}
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        {state.screen === 'torrents' ? (
          <TorrentsScreen
            torrents={torrents}
            samples={state.samples}
            onAddSource={addSourceWithRetry}
            onAddFile={addFileWithRetry}
            peers={peerText}
            onPeersChange={setPeerText}
            onRemove={(torrent) => void removeTorrent(api, dispatch, torrent.infoHash, torrent.name)}
            onOfferEnvelope={(torrent: TorrentView) => setOffering(torrent.infoHash)}
          />
        ) : null}
        {state.screen === 'peers' ? <PeersScreen peers={state.peers} /> : null}
        {state.screen === 'bans' ? (
          <BansScreen
            bans={state.bans}
            onLift={(ban) => liftBan(api, dispatch, ban)}
            onExport={(format, pseudonymise, keyFile) =>
              exportBans(api, dispatch, format, pseudonymise, keyFile)
            }
            onImport={(file, force) => importBlocklist(api, dispatch, file, force)}
          />
        ) : null}
        {state.screen === 'trust' ? (
          <TrustScreen
            publishers={state.publishers}
            onPin={(request) => pinPublisher(api, dispatch, request)}
            onRemove={(publisher) => changePublisher(api, dispatch, 'trust.remove', publisher)}
            onRevoke={(publisher) => changePublisher(api, dispatch, 'trust.revoke', publisher)}
          />
        ) : null}
        {state.screen === 'activity' ? <ActivityScreen samples={state.samples} torrents={torrents} /> : null}
      </main>
      <div className="notices" role="log" aria-live="polite" aria-label="Notifications">
        {state.notices.map((notice) => (
          <div key={notice.id} className={`notice notice-${notice.level}`}>
            <span>{notice.message}</span>
            <button
              type="button"
              className="quiet"
              aria-label="Dismiss notification"
              onClick={() => dispatch({ type: 'dismiss-notice', id: notice.id })}
            >
              ×
            </button>
          </div>
        ))}
      </div>
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          Drop .torrent files or a magnet link to add them
        </div>
      ) : null}
      {offeredTorrent ? (
        <OfferEnvelopeDialog
          key={offeredTorrent.infoHash}
          torrent={offeredTorrent}
          onOffer={(text) => offerEnvelope(api, dispatch, offeredTorrent.infoHash, text)}
          onClose={() => setOffering(null)}
        />
      ) : null}
      {state.refusal ? (
        <RefusalDialog
          key={`${state.refusal.source}-${state.refusal.code}`}
          refusal={state.refusal}
          onPin={pinAndRetry}
          onClose={() => dispatch({ type: 'close-refusal' })}
        />
      ) : null}
    </div>
  )
}
