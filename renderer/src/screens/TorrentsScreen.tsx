import type { StatsSample, TorrentView } from '../../../src/api/contract.ts'
import { ActivityChart } from '../components/ActivityChart.tsx'
import { AddTorrent } from '../components/AddTorrent.tsx'
import { TorrentTable } from '../components/TorrentTable.tsx'

interface Props {
  torrents: TorrentView[]
  samples: StatsSample[]
  onAddSource(source: string): Promise<boolean>
  onAddFile(file: File): Promise<boolean>
  peers: string
  onPeersChange(peers: string): void
  onRemove(torrent: TorrentView): void
  onOfferEnvelope(torrent: TorrentView): void
}

export function TorrentsScreen({
  torrents,
  samples,
  onAddSource,
  onAddFile,
  onRemove,
  onOfferEnvelope,
  peers,
  onPeersChange,
}: Props) {
  return (
    <section aria-labelledby="torrents-title" className="screen">
      <h2 id="torrents-title">Torrents</h2>
      <AddTorrent
        onAddSource={onAddSource}
        onAddFile={onAddFile}
        peers={peers}
        onPeersChange={onPeersChange}
      />
      <TorrentTable torrents={torrents} onRemove={onRemove} onOfferEnvelope={onOfferEnvelope} />
      {samples.length > 0 ? <ActivityChart samples={samples} /> : null}
    </section>
  )
}
