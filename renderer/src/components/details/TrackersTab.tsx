import type { TorrentDetailsView } from '../../../../src/api/contract.ts'
import { formatDate } from '../../format.ts'

const STATUS_CLASS = {
  working: 'badge badge-signed',
  updating: 'badge badge-muted',
  error: 'badge badge-danger',
  disabled: 'badge badge-muted',
} as const

export function TrackersTab({ details }: { details: TorrentDetailsView }) {
  if (details.trackers.length === 0) return <p className="empty">This torrent names no tracker.</p>
  return (
    <ul className="trackers">
      {details.trackers.map((tracker) => (
        <li key={tracker.url}>
          <code>{tracker.url}</code> <span className={STATUS_CLASS[tracker.status]}>{tracker.status}</span>
          <span className="subline">
            {tracker.peers === null ? 'no peer count yet' : `${tracker.peers} peers`} · last announce{' '}
            {formatDate(tracker.lastAnnounce)}
            {tracker.error ? ` · ${tracker.error}` : ''}
          </span>
        </li>
      ))}
    </ul>
  )
}
