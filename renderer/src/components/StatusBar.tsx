import { useEffect, useState } from 'react'
import type { AppStatus } from '../../../src/api/contract.ts'
import type { Api } from '../api.ts'
import { formatBytes, formatSpeed } from '../format.ts'

const POLL_MS = 2000

/** Totals along the bottom of the window: speeds, DHT nodes, free space where downloads go. */
export function StatusBar({ api, connected }: { api: Api; connected: boolean }) {
  const [status, setStatus] = useState<AppStatus | null>(null)
  useEffect(() => {
    if (!connected) return
    let live = true
    const load = () =>
      api.call('app.status', {}).then(
        (next) => live && setStatus(next),
        () => undefined,
      )
    void load()
    const timer = setInterval(() => void load(), POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api, connected])

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
