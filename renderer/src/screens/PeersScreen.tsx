import { useId, useMemo, useState } from 'react'
import type { PeerView } from '../../../src/api/contract.ts'
import { formatBytes, formatSpeed } from '../format.ts'

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000))
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  return new Date(ms).toLocaleDateString()
}

const SORTS = {
  lastSeen: { label: 'Last seen', value: (peer: PeerView) => peer.lastSeen },
  score: { label: 'Score', value: (peer: PeerView) => peer.score },
  downloadSpeed: { label: 'Download speed', value: (peer: PeerView) => peer.downloadSpeed },
  uploadSpeed: { label: 'Upload speed', value: (peer: PeerView) => peer.uploadSpeed },
  piecesBad: { label: 'Hash failures', value: (peer: PeerView) => peer.piecesBad },
  bytesDown: { label: 'Received', value: (peer: PeerView) => peer.bytesDown },
  address: { label: 'Address', value: (peer: PeerView) => peer.address },
} as const
type SortKey = keyof typeof SORTS

interface Props {
  peers: PeerView[]
  onBan(peer: PeerView): Promise<void>
  onUnban(peer: PeerView): Promise<void>
}

/** Every address Vouch remembers: who it is, what it is doing now, its reputation; ban or unban it. */
export function PeersScreen({ peers, onBan, onUnban }: Props) {
  const sortId = useId()
  const [sort, setSort] = useState<SortKey>('lastSeen')
  const [descending, setDescending] = useState(true)
  const sorted = useMemo(() => {
    const value = SORTS[sort].value
    const direction = descending ? -1 : 1
    return [...peers].sort((a, b) => {
      const left = value(a)
      const right = value(b)
      return (typeof left === 'string' ? left.localeCompare(String(right)) : left - Number(right)) * direction
    })
  }, [peers, sort, descending])

  return (
    <section aria-labelledby="peers-title" className="screen">
      <h2 id="peers-title">Peers</h2>
      <p className="lead">
        What Vouch remembers about each address across restarts. Many peer IDs from one host share one record.
      </p>
      {peers.length === 0 ? (
        <p className="empty">No peers recorded yet.</p>
      ) : (
        <>
          <div className="toolbar">
            <label htmlFor={sortId}>Sort by</label>
            <select id={sortId} value={sort} onChange={(event) => setSort(event.target.value as SortKey)}>
              {(Object.keys(SORTS) as SortKey[]).map((key) => (
                <option key={key} value={key}>
                  {SORTS[key].label}
                </option>
              ))}
            </select>
            <button type="button" aria-pressed={descending} onClick={() => setDescending(!descending)}>
              {descending ? 'Descending' : 'Ascending'}
            </button>
          </div>
          <div className="table-container">
            <table className="responsive peers">
              <caption className="visually-hidden">Peers and their reputation</caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Client</th>
                  <th scope="col">Torrents</th>
                  <th scope="col" className="numeric">
                    Speed
                  </th>
                  <th scope="col" className="numeric">
                    Score
                  </th>
                  <th scope="col" className="numeric">
                    Hash failures
                  </th>
                  <th scope="col" className="numeric">
                    Bad data
                  </th>
                  <th scope="col" className="numeric">
                    Received / sent
                  </th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((peer) => (
                  <tr key={peer.address} data-address={peer.address} data-banned={peer.banned}>
                    <th scope="row">
                      <code>{peer.address}</code>{' '}
                      {peer.banned ? <span className="badge badge-danger">banned</span> : null}
                      {peer.connected ? (
                        <span className="badge badge-signed">
                          {peer.connections} connection{peer.connections === 1 ? '' : 's'}
                        </span>
                      ) : null}
                      {peer.peerIds.length > 1 ? (
                        <span className="subline">{peer.peerIds.length} peer IDs</span>
                      ) : null}
                    </th>
                    <td data-label="Client">{peer.client ?? (peer.clients.join(', ') || '—')}</td>
                    <td data-label="Torrents">
                      {peer.torrents.length ? peer.torrents.map((torrent) => torrent.name).join(', ') : '—'}
                    </td>
                    <td data-label="Speed" className="numeric speeds">
                      <span>↓ {formatSpeed(peer.downloadSpeed)}</span>
                      <span>↑ {formatSpeed(peer.uploadSpeed)}</span>
                    </td>
                    <td data-label="Score" className={`numeric${peer.score < 0 ? ' negative' : ''}`}>
                      {peer.score.toFixed(1)}
                    </td>
                    <td
                      data-label="Hash failures"
                      className={`numeric${peer.piecesBad > 0 ? ' negative' : ''}`}
                    >
                      {peer.piecesBad} ({peer.strikes} strikes)
                    </td>
                    <td data-label="Bad data" className="numeric">
                      {formatBytes(peer.bytesBad)}
                    </td>
                    <td data-label="Received / sent" className="numeric">
                      {formatBytes(peer.bytesDown)} / {formatBytes(peer.bytesUp)}
                    </td>
                    <td data-label="Last seen">{ago(peer.lastSeen)}</td>
                    <td className="actions">
                      {peer.banned ? (
                        <button type="button" className="quiet" onClick={() => void onUnban(peer)}>
                          Unban<span className="visually-hidden"> {peer.address}</span>
                        </button>
                      ) : (
                        <button type="button" className="quiet danger" onClick={() => void onBan(peer)}>
                          Ban<span className="visually-hidden"> {peer.address}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
