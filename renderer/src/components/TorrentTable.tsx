import type { TorrentView } from '../../../src/api/contract.ts'
import { SORT_LABELS, type ListView, type SortKey } from '../torrent-list.ts'
import { TorrentRow, type RowActions } from './TorrentRow.tsx'

interface Props extends RowActions {
  torrents: TorrentView[]
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

/**
 * The torrent list: a fixed-layout table (names wrap at word boundaries inside their column, no
 * column can push the page sideways) that turns into one card per torrent when its container is
 * narrow (styles.css, @container torrents).
 */
export function TorrentTable({ torrents, view, onSort, selected, ...actions }: Props) {
  return (
    <div className="table-container torrents-container">
      <table className="torrents responsive">
        <caption className="visually-hidden">Torrents</caption>
        <colgroup>
          <col />
          <col className="col-progress" />
          <col className="col-speed" />
          <col className="col-eta" />
          <col className="col-actions" />
        </colgroup>
        <thead>
          <tr>
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
        <tbody>
          {torrents.map((torrent) => (
            <TorrentRow
              key={torrent.infoHash}
              torrent={torrent}
              selected={selected === torrent.infoHash}
              {...actions}
            />
          ))}
        </tbody>
      </table>
    </div>
  )
}
