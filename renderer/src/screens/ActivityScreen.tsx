import type { StatsSample, TorrentView } from '../../../src/api/contract.ts'
import { ActivityChart } from '../components/ActivityChart.tsx'
import { formatBytes } from '../format.ts'

const DAY_MS = 24 * 60 * 60 * 1000

export function ActivityScreen({ samples, torrents }: { samples: StatsSample[]; torrents: TorrentView[] }) {
  const downloaded = torrents.reduce((sum, torrent) => sum + torrent.downloaded, 0)
  const uploaded = torrents.reduce((sum, torrent) => sum + torrent.uploaded, 0)
  const dayAgo = (samples.at(-1)?.at ?? 0) - DAY_MS
  const failures = samples
    .filter((sample) => sample.at >= dayAgo)
    .reduce((sum, sample) => sum + sample.hashFailures, 0)
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
          <dt>Hash failures (24 h)</dt>
          <dd>{failures}</dd>
        </div>
      </dl>
      <ActivityChart samples={samples} spanMs={DAY_MS} />
    </section>
  )
}
