import { useCallback, useEffect, useMemo, useReducer, useState, type DragEvent } from 'react'
import type { EventMessage } from '../../src/api/contract.ts'
import { addSource, addTorrentFile, removeTorrent, type AddOptions } from './actions.ts'
import type { Api } from './api.ts'
import { RefusalDialog } from './components/RefusalDialog.tsx'
import { ActivityScreen } from './screens/ActivityScreen.tsx'
import { TorrentsScreen } from './screens/TorrentsScreen.tsx'
import { initialState, reduce, type Action, type Screen } from './state.ts'
import { applyTheme, loadTheme, type ThemeChoice } from './theme.ts'

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'torrents', label: 'Torrents' },
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
    default:
      return null
  }
}

export function App({ api }: { api: Api }) {
  const [state, dispatch] = useReducer(reduce, initialState)
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme)
  const [dragging, setDragging] = useState(false)
  const [peerText, setPeerText] = useState('')
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

  const refresh = useCallback(async () => {
    const [info, torrents, samples] = await Promise.all([
      api.call('app.info', {}),
      api.call('torrents.list', {}),
      api.call('stats.history', {}),
    ])
    dispatch({ type: 'info', info })
    dispatch({ type: 'torrents', torrents })
    dispatch({ type: 'samples', samples })
  }, [api])

  useEffect(() => {
    const offEvents = api.onEvent((message) => {
      const action = eventToAction(message)
      if (action) dispatch(action)
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

  const torrents = useMemo(() => [...state.torrents.values()], [state.torrents])

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
            onAddSource={(source) => addSource(api, dispatch, source, addOptions)}
            onAddFile={(file) => addTorrentFile(api, dispatch, file, addOptions)}
            peers={peerText}
            onPeersChange={setPeerText}
            onRemove={(torrent) => void removeTorrent(api, dispatch, torrent.infoHash, torrent.name)}
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
      {state.refusal ? (
        <RefusalDialog refusal={state.refusal} onClose={() => dispatch({ type: 'close-refusal' })} />
      ) : null}
    </div>
  )
}
