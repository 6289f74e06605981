import { useCallback, useMemo, useState, type ReactNode } from 'react'
import type { StatsSample, TorrentView } from '../../../src/api/contract.ts'
import { ActivityChart } from '../components/ActivityChart.tsx'
import { AddTorrent } from '../components/AddTorrent.tsx'
import { ListToolbar } from '../components/ListToolbar.tsx'
import type { RowActions } from '../components/TorrentRow.tsx'
import { TorrentTable } from '../components/TorrentTable.tsx'
import { DEFAULT_VIEW, visibleTorrents, type ListView, type SortKey } from '../torrent-list.ts'

interface Props {
  torrents: TorrentView[]
  /** The rows' actions: the same object from render to render (TorrentRow is memoised). */
  actions: RowActions
  samples: StatsSample[]
  onAddSource(source: string): Promise<boolean>
  onAddFile(file: File): Promise<boolean>
  peers: string
  onPeersChange(peers: string): void
  /** The infohash whose details are open, and the pane showing them. */
  selected: string | null
  details: ReactNode
}

export function TorrentsScreen({
  torrents,
  samples,
  onAddSource,
  onAddFile,
  peers,
  onPeersChange,
  selected,
  details,
  actions,
}: Props) {
  const [view, setView] = useState<ListView>(DEFAULT_VIEW)
  const shown = useMemo(() => visibleTorrents(torrents, view), [torrents, view])
  // A second click on the sorted column turns the order round.
  const sortBy = useCallback(
    (key: SortKey) =>
      setView((current) => ({
        ...current,
        sort: key,
        descending: current.sort === key ? !current.descending : false,
      })),
    [],
  )
  return (
    <section aria-labelledby="torrents-title" className="screen">
      <h2 id="torrents-title">Torrents</h2>
      <AddTorrent
        onAddSource={onAddSource}
        onAddFile={onAddFile}
        peers={peers}
        onPeersChange={onPeersChange}
      />
      {torrents.length === 0 ? (
        <p className="empty">
          No torrents yet. Paste a magnet link above, open a .torrent file, or drop one anywhere in this
          window.
        </p>
      ) : (
        <>
          <ListToolbar view={view} onChange={setView} shown={shown.length} total={torrents.length} />
          {shown.length === 0 ? (
            <p className="empty">No torrent matches the search and filter.</p>
          ) : (
            <div className={`torrents-layout${details ? ' with-details' : ''}`}>
              <div className="torrent-list">
                <TorrentTable
                  torrents={shown}
                  view={view}
                  onSort={sortBy}
                  selected={selected}
                  actions={actions}
                />
              </div>
              {details}
            </div>
          )}
        </>
      )}
      {samples.length > 0 ? <ActivityChart samples={samples} /> : null}
    </section>
  )
}
