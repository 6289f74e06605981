import { useRef } from 'react'
import type { TorrentView } from '../../../src/api/contract.ts'
import { useRowWindow } from '../hooks/useRowWindow.ts'
import { SORT_LABELS, type ListView, type SortKey } from '../torrent-list.ts'
import { TorrentRow, type RowActions } from './TorrentRow.tsx'

interface Props {
  torrents: TorrentView[]
  /** The same object from render to render, or every row re-renders (TorrentRow is memoised). */
  actions: RowActions
  view: ListView
  onSort(key: SortKey): void
  /** The torrent whose details are open, if any. */
  selected: string | null
}

/** A column header that sorts by its key; aria-sort says which way. */
function SortHeader({
  label,
  sortKey,
  view,
  onSort,
  className,
}: {
  label: string
  sortKey: SortKey
  view: ListView
  onSort(key: SortKey): void
  className?: string
}) {
  const active = view.sort === sortKey
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (view.descending ? 'descending' : 'ascending') : 'none'}
    >
      <button type="button" className="sort-button" onClick={() => onSort(sortKey)}>
        {label}
        <span aria-hidden="true" className="sort-arrow">
          {active ? (view.descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  )
}

/** Stands for rows not rendered (useRowWindow): their height, hidden from assistive technology. */
function SpacerRow({ height }: { height: number }) {
  if (height <= 0) return null
  return (
    <tr className="spacer" aria-hidden="true">
      <td colSpan={5} style={{ height }} />
    </tr>
  )
}

/**
 * The torrent list: a fixed-layout table (names wrap at word boundaries inside their column, no
 * column can push the page sideways) that turns into one card per torrent when its container is
 * narrow (styles.css, @container torrents). A long list renders only the rows near the view
 * (useRowWindow); aria-rowcount and aria-rowindex then tell assistive technology the whole.
 */
export function TorrentTable({ torrents, view, onSort, selected, actions }: Props) {
  const body = useRef<HTMLTableSectionElement>(null)
  const rows = useRowWindow(torrents.length, body)
  return (
    <div className="table-container torrents-container">
      <table className="torrents responsive" aria-rowcount={rows.windowed ? torrents.length + 1 : undefined}>
        <caption className="visually-hidden">Torrents</caption>
        <colgroup>
          <col />
          <col className="col-progress" />
          <col className="col-speed" />
          <col className="col-eta" />
          <col className="col-actions" />
        </colgroup>
        <thead>
          <tr aria-rowindex={rows.windowed ? 1 : undefined}>
            <SortHeader label={SORT_LABELS.name} sortKey="name" view={view} onSort={onSort} />
            <SortHeader label={SORT_LABELS.progress} sortKey="progress" view={view} onSort={onSort} />
            <SortHeader
              label="Speed"
              sortKey="downloadSpeed"
              view={view}
              onSort={onSort}
              className="numeric"
            />
            <SortHeader label="ETA" sortKey="timeRemaining" view={view} onSort={onSort} className="numeric" />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body}>
          <SpacerRow height={rows.beforePx} />
          {torrents.slice(rows.start, rows.end).map((torrent, index) => (
            <TorrentRow
              key={torrent.infoHash}
              torrent={torrent}
              selected={selected === torrent.infoHash}
              rowIndex={rows.windowed ? rows.start + index + 2 : undefined}
              actions={actions}
            />
          ))}
          <SpacerRow height={rows.afterPx} />
        </tbody>
      </table>
    </div>
  )
}
