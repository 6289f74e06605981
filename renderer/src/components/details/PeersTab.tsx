import type { TorrentDetailsView } from '../../../../src/api/contract.ts'
import { formatPercent, formatSpeed } from '../../format.ts'

type Peer = TorrentDetailsView['peers'][number]

/** Flags as qBittorrent shows them, spelled out in the title. */
function flagText(peer: Peer): { short: string; long: string } {
  const flags: [boolean, string, string][] = [
    [peer.flags.incoming, 'I', 'incoming'],
    [peer.flags.encrypted, 'E', 'encrypted'],
    [peer.flags.choked, 'C', 'we choke it'],
    [peer.flags.interested, 'i', 'we are interested'],
    [peer.flags.peerChoking, 'c', 'it chokes us'],
    [peer.flags.peerInterested, 'p', 'it is interested'],
  ]
  const set = flags.filter(([on]) => on)
  return {
    short: set.map(([, letter]) => letter).join(' ') || '—',
    long: set.map(([, , word]) => word).join(', '),
  }
}

/** This torrent's connected peers: client, flags, speeds, how much they have, reputation. */
export function PeersTab({ details }: { details: TorrentDetailsView }) {
  if (details.peers.length === 0) return <p className="empty">No peer is connected to this torrent.</p>
  return (
    <div className="table-container">
      <table className="responsive">
        <caption className="visually-hidden">Peers of this torrent</caption>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Client</th>
            <th scope="col">Flags</th>
            <th scope="col" className="numeric">
              Down
            </th>
            <th scope="col" className="numeric">
              Up
            </th>
            <th scope="col" className="numeric">
              Has
            </th>
            <th scope="col" className="numeric">
              Score
            </th>
          </tr>
        </thead>
        <tbody>
          {details.peers.map((peer) => {
            const flags = flagText(peer)
            return (
              <tr key={`${peer.address}:${peer.port}`} data-address={peer.address}>
                <th scope="row">
                  <code>
                    {peer.address}:{peer.port}
                  </code>
                  {peer.banned ? <span className="badge badge-danger">banned</span> : null}
                </th>
                <td data-label="Client">{peer.client}</td>
                <td data-label="Flags">
                  <abbr title={flags.long}>{flags.short}</abbr>
                </td>
                <td data-label="Down" className="numeric">
                  {formatSpeed(peer.downloadSpeed)}
                </td>
                <td data-label="Up" className="numeric">
                  {formatSpeed(peer.uploadSpeed)}
                </td>
                <td data-label="Has" className="numeric">
                  {formatPercent(peer.progress)}
                </td>
                <td data-label="Score" className={`numeric${(peer.score ?? 0) < 0 ? ' negative' : ''}`}>
                  {peer.score === null ? '—' : peer.score.toFixed(1)}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
