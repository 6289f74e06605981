import type { TorrentView } from '../../../src/api/contract.ts'
import { formatBytes, formatDuration, formatSpeed } from '../format.ts'
import { ProgressBar } from './ProgressBar.tsx'
import { ProvenanceBadge } from './ProvenanceBadge.tsx'

interface Props {
  torrents: TorrentView[]
  onRemove(torrent: TorrentView): void
}

function status(torrent: TorrentView): string {
  if (!torrent.hasMetadata) return 'Fetching metadata'
  if (torrent.done) return 'Seeding'
  return torrent.numPeers > 0 ? 'Downloading' : 'Waiting for peers'
}

export function TorrentTable({ torrents, onRemove }: Props) {
  if (torrents.length === 0) {
    return (
      <p className="empty">
        No torrents yet. Paste a magnet link above, open a .torrent file, or drop one anywhere in this window.
      </p>
    )
  }
  return (
    <table className="torrents">
      <caption className="visually-hidden">Torrents</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Progress</th>
          <th scope="col" className="numeric">
            Down
          </th>
          <th scope="col" className="numeric">
            Up
          </th>
          <th scope="col" className="numeric">
            Peers
          </th>
          <th scope="col" className="numeric">
            ETA
          </th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {torrents.map((torrent) => (
          <tr key={torrent.infoHash} data-infohash={torrent.infoHash} data-done={torrent.done}>
            <th scope="row" className="torrent-name">
              <span className="name" title={torrent.infoHash}>
                {torrent.name}
              </span>
              <span className="subline">
                {status(torrent)}
                {torrent.hasMetadata ? ` · ${formatBytes(torrent.length)}` : ''}
              </span>
              <ProvenanceBadge provenance={torrent.provenance} />
            </th>
            <td>
              <ProgressBar
                value={torrent.progress}
                done={torrent.done}
                label={`Progress of ${torrent.name}`}
              />
            </td>
            <td className="numeric">{formatSpeed(torrent.downloadSpeed)}</td>
            <td className="numeric">{formatSpeed(torrent.uploadSpeed)}</td>
            <td className="numeric">{torrent.numPeers}</td>
            <td className="numeric">{torrent.done ? 'done' : formatDuration(torrent.timeRemaining)}</td>
            <td>
              <button type="button" className="quiet" onClick={() => onRemove(torrent)}>
                Remove<span className="visually-hidden"> {torrent.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
