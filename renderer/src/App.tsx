import { useEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react'
import type { EventMessage, Settings } from '../../src/api/contract.ts'
import {
  addSource,
  banAddress,
  refreshPeers,
  addTorrentFile,
  changePublisher,
  exportBans,
  importBlocklist,
  liftBan,
  offerEnvelope,
  pinPublisher,
  removeTorrent,
  saveSettings,
  setPaused,
  type AddOptions,
} from './actions.ts'
import type { Api } from './api.ts'
import { DetailsPane } from './components/details/DetailsPane.tsx'
import { FILE_INPUT_ID, MAGNET_INPUT_ID } from './components/AddTorrent.tsx'
import { SEARCH_ID } from './components/ListToolbar.tsx'
import { Notices } from './components/Notices.tsx'
import type { RowActions } from './components/TorrentRow.tsx'
import { ShortcutsHelp } from './components/ShortcutsHelp.tsx'
import { StatusBar } from './components/StatusBar.tsx'
import { OfferEnvelopeDialog } from './components/OfferEnvelopeDialog.tsx'
import { RefusalDialog } from './components/RefusalDialog.tsx'
import { RemoveDialog } from './components/RemoveDialog.tsx'
import { useBackend } from './hooks/useBackend.ts'
import { useShortcuts } from './hooks/useShortcuts.ts'
import { ActivityScreen } from './screens/ActivityScreen.tsx'
import { AuditScreen } from './screens/AuditScreen.tsx'
import { BansScreen } from './screens/BansScreen.tsx'
import { FeedsScreen } from './screens/FeedsScreen.tsx'
import { PeersScreen } from './screens/PeersScreen.tsx'
import { RulesScreen } from './screens/RulesScreen.tsx'
import { TorrentsScreen } from './screens/TorrentsScreen.tsx'
import { SettingsScreen } from './screens/SettingsScreen.tsx'
import { TrustScreen } from './screens/TrustScreen.tsx'
import { addGroup, applyRotation, describeRotation, rotationStatementOf } from './trust-actions.ts'
import { askPermission, notify } from './notifications.ts'
import { initialState, reduce, type Screen } from './state.ts'
import { applyTheme, loadTheme, type ThemeChoice } from './theme.ts'

/** The navigation, in order. A new screen is one entry here and one branch in <main> below. */
const SCREENS: { id: Screen; label: string }[] = [
  { id: 'torrents', label: 'Torrents' },
  { id: 'peers', label: 'Peers' },
  { id: 'bans', label: 'Bans' },
  { id: 'trust', label: 'Trust' },
  { id: 'feeds', label: 'Feeds' },
  { id: 'activity', label: 'Activity' },
  { id: 'rules', label: 'Rules' },
  { id: 'audit', label: 'Audit log' },
  { id: 'settings', label: 'Settings' },
]

/** Re-runs the add that led to the refusal dialog, with extra options (a pin, or allowUnsigned). */
type RetryAdd = (extra: AddOptions) => Promise<boolean>

export function App({ api }: { api: Api }) {
  const [state, dispatch] = useReducer(reduce, initialState)
  const [dragging, setDragging] = useState(false)
  const [peerText, setPeerText] = useState('')
  /** The held magnet whose "add signature" dialog is open, by infohash. */
  const [offering, setOffering] = useState<string | null>(null)
  /** The torrent whose "remove?" dialog is open, by infohash. */
  const [removing, setRemoving] = useState<string | null>(null)
  /** The torrent whose details pane is open, by infohash. */
  const [selected, setSelected] = useState<string | null>(null)
  const addOptions = useMemo((): AddOptions => {
    const peers = peerText.split(/[\s,]+/).filter((peer) => peer !== '')
    return peers.length ? { peers } : {}
  }, [peerText])

  // The saved setting once it arrives; until then the last theme this browser showed.
  const theme: ThemeChoice = state.settings?.theme ?? loadTheme()
  useEffect(() => applyTheme(theme), [theme])
  const notificationsOn = state.settings?.notifications ?? false
  const notificationsRef = useRef(notificationsOn)
  useEffect(() => {
    notificationsRef.current = notificationsOn
  }, [notificationsOn])
  async function changeSettings(change: Partial<Settings>): Promise<boolean> {
    if (change.notifications && (await askPermission()) !== 'granted') {
      dispatch({
        type: 'notice',
        level: 'warning',
        message: 'Notifications are blocked for this page: allow them in the browser’s site settings',
      })
    }
    // Shown at once (a checkbox follows the click) and kept over earlier answers until its own
    // answer arrives (state.ts unsavedSettings); a failure's re-read corrects it.
    return saveSettings(api, dispatch, change)
  }

  const retryAdd = useRef<RetryAdd | null>(null)
  // A refusal that arrives as an event (a magnet's metadata failed later) has no add to re-run.
  const onEvent = useRef((message: EventMessage) => {
    if (message.event === 'torrent.refused') retryAdd.current = null
    notify(message, notificationsRef.current)
  })
  useBackend(api, dispatch, state.screen, { onEvent })

  const torrents = useMemo(() => [...state.torrents.values()], [state.torrents])
  // One object for the whole session: TorrentRow is memoised, and new callbacks on every render
  // (a stats sample a second) would re-render every one of 2,000 rows.
  const rowActions = useMemo(
    (): RowActions => ({
      onRemove: (torrent) => setRemoving(torrent.infoHash),
      onPause: (torrent, paused) => void setPaused(api, dispatch, torrent, paused),
      onSelect: (torrent) =>
        setSelected((current) => (current === torrent.infoHash ? null : torrent.infoHash)),
      onOfferEnvelope: (torrent) => setOffering(torrent.infoHash),
    }),
    [api],
  )
  const offeredTorrent = offering ? state.torrents.get(offering) : undefined
  const removedTorrent = removing ? state.torrents.get(removing) : undefined
  const selectedTorrent = selected ? state.torrents.get(selected) : undefined
  const [helping, setHelping] = useState(false)

  /**
   * Act on one of the torrents screen's elements: at once when it is showing (a file input's click
   * must run inside the key press that asked for it, or the browser may not open the chooser),
   * else after showing the screen, once it is rendered.
   */
  function onTorrentsScreen(id: string, act: (element: HTMLElement) => void) {
    const showing = state.screen === 'torrents' ? document.getElementById(id) : null
    if (showing) return act(showing)
    dispatch({ type: 'screen', screen: 'torrents' })
    requestAnimationFrame(() => {
      const element = document.getElementById(id)
      if (element) act(element)
    })
  }
  useShortcuts({
    open: () => onTorrentsScreen(FILE_INPUT_ID, (input) => input.click()),
    magnet: () => onTorrentsScreen(MAGNET_INPUT_ID, (input) => input.focus()),
    search: () => onTorrentsScreen(SEARCH_ID, (input) => input.focus()),
    remove: () => {
      if (selectedTorrent) setRemoving(selectedTorrent.infoHash)
    },
    help: () => setHelping(true),
    paste: (text) => void addSourceWithRetry(text),
  })

  function addSourceWithRetry(source: string) {
    const attempt: RetryAdd = (extra) => addSource(api, dispatch, source, { ...addOptions, ...extra })
    retryAdd.current = attempt
    return attempt({})
  }

  function addFileWithRetry(file: File) {
    const attempt: RetryAdd = (extra) => addTorrentFile(api, dispatch, file, { ...addOptions, ...extra })
    retryAdd.current = attempt
    return attempt({})
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
    await retry({})
    return false
  }

  /** The refusal dialog's deliberate override: the same add again, with allowUnsigned (audited). */
  async function downloadAnyway(): Promise<void> {
    const retry = retryAdd.current
    retryAdd.current = null
    dispatch({ type: 'close-refusal' })
    if (retry) await retry({ allowUnsigned: true })
  }

  function onDrop(event: DragEvent) {
    event.preventDefault()
    setDragging(false)
    for (const file of event.dataTransfer.files) void addFileWithRetry(file)
    const text = event.dataTransfer.getData('text/plain').trim()
    if (event.dataTransfer.files.length === 0 && /^magnet:/i.test(text)) void addSourceWithRetry(text)
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
        <div className="topbar-tools">
          <label className="theme-picker">
            Theme{' '}
            <select
              value={theme}
              onChange={(event) => void changeSettings({ theme: event.target.value as ThemeChoice })}
            >
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <button
            type="button"
            className="quiet help-button"
            aria-keyshortcuts="?"
            onClick={() => setHelping(true)}
          >
            ?<span className="visually-hidden"> Keyboard shortcuts</span>
          </button>
        </div>
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
            actions={rowActions}
            selected={selectedTorrent ? selected : null}
            details={
              selectedTorrent ? (
                <DetailsPane
                  key={selectedTorrent.infoHash}
                  api={api}
                  dispatch={dispatch}
                  torrent={selectedTorrent}
                  onClose={() => setSelected(null)}
                />
              ) : null
            }
          />
        ) : null}
        {state.screen === 'peers' ? (
          <PeersScreen
            peers={state.peers}
            onBan={async (peer) =>
              void (await banAddress(api, dispatch, peer.address, 'Banned from the peers screen'))
            }
            onUnban={async (peer) => {
              await liftBan(api, dispatch, peer.address)
              await refreshPeers(api, dispatch)
            }}
          />
        ) : null}
        {state.screen === 'bans' ? (
          <BansScreen
            bans={state.bans}
            onLift={(ban) => liftBan(api, dispatch, ban.address)}
            onExport={(format, pseudonymise, keyFile) =>
              exportBans(api, dispatch, format, pseudonymise, keyFile)
            }
            onImport={(file, force) => importBlocklist(api, dispatch, file, force)}
            onBan={(address, reason, expiresAt) => banAddress(api, dispatch, address, reason, expiresAt)}
          />
        ) : null}
        {state.screen === 'trust' ? (
          <TrustScreen
            publishers={state.publishers}
            groups={state.groups}
            onAddGroup={(request) => addGroup(api, dispatch, request)}
            readStatement={rotationStatementOf}
            onDescribeRotation={(statement) => describeRotation(api, statement)}
            onRotate={(statement) => applyRotation(api, dispatch, statement)}
            onPin={(request) => pinPublisher(api, dispatch, request)}
            onRemove={(publisher) => changePublisher(api, dispatch, 'trust.remove', publisher)}
            onRevoke={(publisher) => changePublisher(api, dispatch, 'trust.revoke', publisher)}
          />
        ) : null}
        {state.screen === 'feeds' ? <FeedsScreen api={api} /> : null}
        {state.screen === 'audit' ? <AuditScreen api={api} /> : null}
        {state.screen === 'settings' ? (
          <SettingsScreen settings={state.settings} onSave={changeSettings} />
        ) : null}
        {state.screen === 'activity' ? <ActivityScreen samples={state.samples} torrents={torrents} /> : null}
        {state.screen === 'rules' ? <RulesScreen api={api} /> : null}
      </main>
      <footer className="bottombar">
        <Notices notices={state.notices} dispatch={dispatch} />
        <StatusBar api={api} connected={state.connection === 'open'} />
      </footer>
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
      {removedTorrent ? (
        <RemoveDialog
          key={removedTorrent.infoHash}
          torrent={removedTorrent}
          onRemove={(deleteData) =>
            removeTorrent(api, dispatch, removedTorrent.infoHash, removedTorrent.name, deleteData)
          }
          onClose={() => setRemoving(null)}
        />
      ) : null}
      {helping ? <ShortcutsHelp onClose={() => setHelping(false)} /> : null}
      {state.refusal ? (
        <RefusalDialog
          key={`${state.refusal.source}-${state.refusal.code}`}
          refusal={state.refusal}
          onPin={pinAndRetry}
          {...(retryAdd.current ? { onDownloadAnyway: downloadAnyway } : {})}
          onClose={() => dispatch({ type: 'close-refusal' })}
        />
      ) : null}
    </div>
  )
}
