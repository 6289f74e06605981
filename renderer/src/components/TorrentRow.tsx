import { memo } from 'react'
import type { TorrentView } from '../../../src/api/contract.ts'
import { formatBytes } from '../format.ts'
import { describeState, speedText } from '../torrent-list.ts'
import { ProgressBar } from './ProgressBar.tsx'
import { ProvenanceBadge } from './ProvenanceBadge.tsx'

export interface RowActions {
  onRemove(torrent: TorrentView): void
  onPause(torrent: TorrentView, paused: boolean): void
  /** Open (or close) the details of a torrent. */
  onSelect(torrent: TorrentView): void
  /** Offer a signature for a magnet the provenance gate holds. */
  onOfferEnvelope(torrent: TorrentView): void
}

function awaitsSignature(torrent: TorrentView): boolean {
  return torrent.provenance.status === 'held' && torrent.provenance.waitingFor === 'signature'
}

/** Held and refused torrents have nothing to pause: the gate decides when they may run. */
const PAUSABLE = new Set<TorrentView['state']>(['downloading', 'seeding', 'queued', 'checking', 'error'])

/**
 * One torrent's row. Memoised: a progress event re-renders only the row of the torrent it changed,
 * which needs `actions` to be the same object from render to render (App.tsx's rowActions).
 */
export const TorrentRow = memo(function TorrentRow({
  torrent,
  selected,
  rowIndex,
  actions: { onRemove, onPause, onSelect, onOfferEnvelope },
}: {
  torrent: TorrentView
  selected: boolean
  /** Its aria-rowindex when the table renders only part of its rows. */
  rowIndex?: number | undefined
  actions: RowActions
}) {
  const speeds = speedText(torrent)
  return (
    <tr
      aria-rowindex={rowIndex}
      data-infohash={torrent.infoHash}
      data-done={torrent.done}
      data-state={torrent.state}
      aria-selected={selected || undefined}
    >
      <th scope="row" className="torrent-name">
        <button
          type="button"
          className="name link-button"
          title={`Details of ${torrent.name}`}
          aria-expanded={selected}
          onClick={() => onSelect(torrent)}
        >
          {torrent.name}
        </button>
        <span className="subline">
          {describeState(torrent)}
          {torrent.hasMetadata ? ` · ${formatBytes(torrent.length)}` : ''}
          {torrent.numPeers > 0 ? ` · ${torrent.numPeers} peer${torrent.numPeers === 1 ? '' : 's'}` : ''}
        </span>
        <ProvenanceBadge provenance={torrent.provenance} />
      </th>
      <td data-label="Progress">
        <ProgressBar value={torrent.progress} done={torrent.done} label={`Progress of ${torrent.name}`} />
      </td>
      <td data-label="Speed" className="numeric speeds">
        <span aria-label={`Download ${speeds.down}`}>↓ {speeds.down}</span>
        <span aria-label={`Upload ${speeds.up}`}>↑ {speeds.up}</span>
      </td>
      <td data-label="ETA" className="numeric">
        {speeds.eta}
      </td>
      <td className="actions">
        {awaitsSignature(torrent) ? (
          <button type="button" onClick={() => onOfferEnvelope(torrent)}>
            Add signature…<span className="visually-hidden"> for {torrent.name}</span>
          </button>
        ) : null}
        {torrent.paused ? (
          <button type="button" onClick={() => onPause(torrent, false)}>
            Resume<span className="visually-hidden"> {torrent.name}</span>
          </button>
        ) : PAUSABLE.has(torrent.state) ? (
          <button type="button" onClick={() => onPause(torrent, true)}>
            Pause<span className="visually-hidden"> {torrent.name}</span>
          </button>
        ) : null}
        <button type="button" className="quiet danger" onClick={() => onRemove(torrent)}>
          Remove<span className="visually-hidden"> {torrent.name}</span>
        </button>
      </td>
    </tr>
  )
})
