import type { StatsSample, TorrentView } from '../../../src/api/contract.ts'
import { ActivityChart } from '../components/ActivityChart.tsx'
import { formatBytes } from '../format.ts'

export function ActivityScreen({ samples, torrents }: { samples: StatsSample[]; torrents: TorrentView[] }) {
  const downloaded = torrents.reduce((sum, torrent) => sum + torrent.downloaded, 0)
  const uploaded = torrents.reduce((sum, torrent) => sum + torrent.uploaded, 0)
  const failures = samples.reduce((sum, sample) => sum + sample.hashFailures, 0)
  return (
    <section aria-labelledby="activity-title" className="screen">
      <h2 id="activity-title">Activity</h2>
      <dl className="totals">
        <div>
          <dt>Downloaded</dt>
          <dd>{formatBytes(downloaded)}</dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>{formatBytes(uploaded)}</dd>
        </div>
        <div>
          <dt>Hash failures (5 min)</dt>
          <dd>{failures}</dd>
        </div>
      </dl>
      <ActivityChart samples={samples} />
    </section>
  )
}
