import { useId } from 'react'
import type { TorrentState } from '../../../src/api/contract.ts'
import { FILTER_STATES, SORT_LABELS, STATE_LABELS, type ListView, type SortKey } from '../torrent-list.ts'

/** The search field's id: the `/` shortcut focuses it. */
export const SEARCH_ID = 'torrent-search'

interface Props {
  view: ListView
  onChange(view: ListView): void
  shown: number
  total: number
}

/** Search by name, filter by state, sort by any column (also on narrow screens, where headers hide). */
export function ListToolbar({ view, onChange, shown, total }: Props) {
  const stateId = useId()
  const sortId = useId()
  return (
    <div className="toolbar list-toolbar" role="search">
      <label htmlFor={SEARCH_ID} className="visually-hidden">
        Search torrents by name
      </label>
      <input
        id={SEARCH_ID}
        type="search"
        placeholder="Search by name  ( / )"
        value={view.search}
        autoComplete="off"
        onChange={(event) => onChange({ ...view, search: event.target.value })}
      />
      <label htmlFor={stateId}>State</label>
      <select
        id={stateId}
        value={view.state ?? ''}
        onChange={(event) =>
          onChange({
            ...view,
            state: event.target.value === '' ? null : (event.target.value as TorrentState),
          })
        }
      >
        <option value="">All</option>
        {FILTER_STATES.map((state) => (
          <option key={state} value={state}>
            {STATE_LABELS[state]}
          </option>
        ))}
      </select>
      <label htmlFor={sortId}>Sort by</label>
      <select
        id={sortId}
        value={view.sort}
        onChange={(event) => onChange({ ...view, sort: event.target.value as SortKey })}
      >
        {(Object.keys(SORT_LABELS) as SortKey[]).map((key) => (
          <option key={key} value={key}>
            {SORT_LABELS[key]}
          </option>
        ))}
      </select>
      <button
        type="button"
        aria-pressed={view.descending}
        onClick={() => onChange({ ...view, descending: !view.descending })}
      >
        {view.descending ? 'Descending' : 'Ascending'}
      </button>
      {/* Always there: a long list renders only the rows near the view, so the count says how many. */}
      <span className="subline" role="status">
        {shown !== total ? `${shown} of ${total} shown` : `${total} torrent${total === 1 ? '' : 's'}`}
      </span>
    </div>
  )
}
