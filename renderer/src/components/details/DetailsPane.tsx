import { useCallback, useId, useState } from 'react'
import type { FilePriorityName, TorrentLimits, TorrentView } from '../../../../src/api/contract.ts'
import type { Dispatch } from '../../actions.ts'
import type { Api } from '../../api.ts'
import { FilesTab } from './FilesTab.tsx'
import { GeneralTab } from './GeneralTab.tsx'
import { PeersTab } from './PeersTab.tsx'
import { PiecesMap } from './PiecesMap.tsx'
import { TrackersTab } from './TrackersTab.tsx'
import { usePoll } from '../../hooks/usePoll.ts'

const TABS = [
  { id: 'general', label: 'General' },
  { id: 'files', label: 'Files' },
  { id: 'peers', label: 'Peers' },
  { id: 'trackers', label: 'Trackers' },
  { id: 'pieces', label: 'Pieces' },
] as const
type Tab = (typeof TABS)[number]['id']

const POLL_MS = 1500

interface Props {
  api: Api
  dispatch: Dispatch
  torrent: TorrentView
  onClose(): void
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One torrent in depth, refreshed while open: beside the list on wide screens, in its place on
 * narrow ones (styles.css .torrents-layout).
 */
export function DetailsPane({ api, dispatch, torrent, onClose }: Props) {
  const titleId = useId()
  const [tab, setTab] = useState<Tab>('general')
  const infoHash = torrent.infoHash
  const [details, setDetails] = usePoll(() => api.call('torrents.details', { infoHash }), POLL_MS, [
    api,
    infoHash,
  ])
  const fail = useCallback(
    (what: string, error: unknown) =>
      dispatch({ type: 'notice', level: 'error', message: `${what}: ${describe(error)}` }),
    [dispatch],
  )

  async function setPriority(index: number, priority: FilePriorityName) {
    // Shown at once; the answer (or the next poll) replaces it.
    setDetails(
      (current) =>
        current && {
          ...current,
          files: current.files.map((file) => (file.index === index ? { ...file, priority } : file)),
        },
    )
    try {
      setDetails(await api.call('torrents.setFiles', { infoHash, files: [{ index, priority }] }))
    } catch (error) {
      fail('Could not change the file', error)
    }
  }

  async function addPeer(address: string): Promise<boolean> {
    try {
      const { added } = await api.call('torrents.addPeer', { infoHash, address })
      dispatch({
        type: 'notice',
        level: 'info',
        message: added ? `Connecting to ${address}` : `${address} is already a peer of this torrent`,
      })
      return true
    } catch (error) {
      fail(`Could not add ${address}`, error)
      return false
    }
  }

  async function reannounce() {
    try {
      await api.call('torrents.reannounce', { infoHash })
      dispatch({ type: 'notice', level: 'info', message: `Announced ${torrent.name} again` })
    } catch (error) {
      fail('Could not re-announce', error)
    }
  }

  async function setLimits(change: Partial<TorrentLimits>): Promise<boolean> {
    try {
      setDetails(await api.call('torrents.setLimits', { infoHash, ...change }))
      return true
    } catch (error) {
      fail('Could not change the limit', error)
      return false
    }
  }

  const revealTorrent = api.revealTorrent
  const reveal =
    revealTorrent &&
    (async () => {
      try {
        await revealTorrent(infoHash)
      } catch (error) {
        fail('Could not show the files', error)
      }
    })

  async function copyPath(path: string) {
    try {
      await navigator.clipboard.writeText(path)
      dispatch({ type: 'notice', level: 'info', message: `Copied ${path}` })
    } catch (error) {
      fail('Could not copy the path', error)
    }
  }

  return (
    <aside className="details" aria-labelledby={titleId}>
      <header className="details-header">
        <h3 id={titleId}>{torrent.name}</h3>
        <button type="button" className="quiet" onClick={onClose}>
          Close<span className="visually-hidden"> the details of {torrent.name}</span>
        </button>
      </header>
      <div className="tabs" role="tablist" aria-label="Details">
        {TABS.map((entry) => (
          <button
            key={entry.id}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === entry.id}
            onClick={() => setTab(entry.id)}
          >
            {entry.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="tab-panel" aria-label={TABS.find((entry) => entry.id === tab)?.label}>
        {details === null ? (
          <p className="subline">Loading…</p>
        ) : tab === 'general' ? (
          <GeneralTab
            torrent={torrent}
            details={details}
            onAddPeer={addPeer}
            onReannounce={reannounce}
            onCopyPath={copyPath}
            onReveal={reveal}
            onLimits={setLimits}
          />
        ) : tab === 'files' ? (
          <FilesTab details={details} onPriority={(index, priority) => void setPriority(index, priority)} />
        ) : tab === 'peers' ? (
          <PeersTab details={details} />
        ) : tab === 'trackers' ? (
          <TrackersTab details={details} />
        ) : (
          <PiecesMap pieces={details.pieces} pieceCount={details.pieceCount} />
        )}
      </div>
    </aside>
  )
}
