import type { TorrentView } from '../../../src/api/contract.ts'
import { formatBytes, formatDuration, formatSpeed } from '../format.ts'
import { ProgressBar } from './ProgressBar.tsx'
import { ProvenanceBadge } from './ProvenanceBadge.tsx'

interface Props {
  torrents: TorrentView[]
  onRemove(torrent: TorrentView): void
  /** Offer a signature for a magnet the provenance gate holds. */
  onOfferEnvelope(torrent: TorrentView): void
}

function awaitsSignature(torrent: TorrentView): boolean {
  return torrent.provenance.status === 'held' && torrent.provenance.waitingFor === 'signature'
}

function status(torrent: TorrentView): string {
  if (torrent.provenance.status === 'held' && torrent.provenance.waitingFor === 'signature')
    return 'Nothing downloaded until a signature is accepted'
  if (!torrent.hasMetadata) return 'Fetching metadata'
  if (torrent.done) return 'Seeding'
  return torrent.numPeers > 0 ? 'Downloading' : 'Waiting for peers'
}

export function TorrentTable({ torrents, onRemove, onOfferEnvelope }: Props) {
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
            <td className="actions">
              {awaitsSignature(torrent) ? (
                <button type="button" onClick={() => onOfferEnvelope(torrent)}>
                  Add signature…<span className="visually-hidden"> for {torrent.name}</span>
                </button>
              ) : null}
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
