import type { PeerView } from '../../../src/api/contract.ts'
import { formatBytes } from '../format.ts'

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000))
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  return new Date(ms).toLocaleDateString()
}

/** Every address Vouch remembers, with its reputation and the hash failures it caused. */
export function PeersScreen({ peers }: { peers: PeerView[] }) {
  return (
    <section aria-labelledby="peers-title" className="screen">
      <h2 id="peers-title">Peers</h2>
      <p className="lead">
        What Vouch remembers about each address across restarts. Many peer IDs from one host share one record.
      </p>
      {peers.length === 0 ? (
        <p className="empty">No peers recorded yet.</p>
      ) : (
        <div className="table-container">
          <table className="responsive">
            <caption className="visually-hidden">Peers and their reputation</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Client</th>
                <th scope="col" className="numeric">
                  Score
                </th>
                <th scope="col" className="numeric">
                  Good pieces
                </th>
                <th scope="col" className="numeric">
                  Hash failures
                </th>
                <th scope="col" className="numeric">
                  Bad data
                </th>
                <th scope="col" className="numeric">
                  Received
                </th>
                <th scope="col" className="numeric">
                  Sent
                </th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((peer) => (
                <tr key={peer.address} data-address={peer.address} data-banned={peer.banned}>
                  <th scope="row">
                    <code>{peer.address}</code>{' '}
                    {peer.banned ? <span className="badge badge-danger">banned</span> : null}
                    {peer.connections > 0 ? (
                      <span className="badge badge-signed">
                        {peer.connections} connection{peer.connections === 1 ? '' : 's'}
                      </span>
                    ) : null}
                    {peer.peerIds.length > 1 ? (
                      <span className="subline">{peer.peerIds.length} peer IDs</span>
                    ) : null}
                  </th>
                  <td data-label="Client">{peer.clients.join(', ') || '—'}</td>
                  <td data-label="Score" className={`numeric${peer.score < 0 ? ' negative' : ''}`}>
                    {peer.score.toFixed(1)}
                  </td>
                  <td data-label="Good pieces" className="numeric">
                    {peer.piecesGood}
                  </td>
                  <td
                    data-label="Hash failures"
                    className={`numeric${peer.piecesBad > 0 ? ' negative' : ''}`}
                  >
                    {peer.piecesBad}
                  </td>
                  <td data-label="Bad data" className="numeric">
                    {formatBytes(peer.bytesBad)}
                  </td>
                  <td data-label="Received" className="numeric">
                    {formatBytes(peer.bytesDown)}
                  </td>
                  <td data-label="Sent" className="numeric">
                    {formatBytes(peer.bytesUp)}
                  </td>
                  <td data-label="Last seen">{ago(peer.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
