import type { Api } from '../api.ts'
import { formatBytes, formatSpeed } from '../format.ts'
import { usePoll } from '../hooks/usePoll.ts'

const POLL_MS = 2000

/** Totals along the bottom of the window: speeds, DHT nodes, free space where downloads go. */
export function StatusBar({ api, connected }: { api: Api; connected: boolean }) {
  const [status] = usePoll(() => api.call('app.status', {}), POLL_MS, [api], connected)

  if (!status) return null
  return (
    <dl className="status-bar" aria-label="Status">
      <div>
        <dt>Down</dt>
        <dd>{formatSpeed(status.downloadSpeed)}</dd>
      </div>
      <div>
        <dt>Up</dt>
        <dd>{formatSpeed(status.uploadSpeed)}</dd>
      </div>
      <div>
        <dt>DHT</dt>
        <dd>{status.dhtNodes === 0 ? 'off or no nodes' : `${status.dhtNodes} nodes`}</dd>
      </div>
      <div title={status.downloadDir}>
        <dt>Free disk</dt>
        <dd>{status.freeDiskBytes === null ? 'unknown' : formatBytes(status.freeDiskBytes)}</dd>
      </div>
    </dl>
  )
}
