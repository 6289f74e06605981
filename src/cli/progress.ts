import { createRequire } from 'node:module'
import type CliProgress from 'cli-progress'
import type { TorrentStats } from '../engine/events.ts'
import { formatBytes } from './output.ts'

export interface ProgressView {
  update(stats: TorrentStats): void
  stop(): void
}

export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '--'
  const seconds = Math.round(ms / 1000)
  return seconds >= 3600
    ? `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`
    : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}

/**
 * The bar's line. cli-progress fills `{total}`, `{eta}`, `{value}`, `{percentage}`, `{duration}` and
 * their `_formatted` forms itself, over whatever a payload says: our own fields need other names.
 */
export const BAR_FORMAT = '{bar} {percentage}% | {got}/{size} | {speed}/s | {peers} peers | ETA {remaining}'

/** A progress bar with speed and peers on a terminal; plain lines (at most one per 5%) otherwise. */
export function progressView(stream: NodeJS.WriteStream, enabled: boolean): ProgressView {
  if (!enabled) return { update: () => undefined, stop: () => undefined }
  if (stream.isTTY) {
    // Loaded only for a terminal (21 modules): `get` spawned by a script or bench never pays for it.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: BAR_FORMAT,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update(stats) {
        const payload = {
          got: formatBytes(stats.downloaded),
          size: formatBytes(stats.length),
          speed: formatBytes(stats.downloadSpeed),
          peers: stats.numPeers,
          remaining: formatEta(stats.timeRemaining),
        }
        if (!started) {
          bar.start(1000, 0, payload)
          started = true
        }
        bar.update(Math.round(stats.progress * 1000), payload)
      },
      stop() {
        if (started) bar.stop()
      },
    }
  }
  let lastStep = -1
  return {
    update(stats) {
      const step = Math.floor(stats.progress * 20)
      if (step === lastStep) return
      lastStep = step
      stream.write(
        `${(stats.progress * 100).toFixed(0)}% ${formatBytes(stats.downloaded)}/${formatBytes(stats.length)} ` +
          `${formatBytes(stats.downloadSpeed)}/s ${stats.numPeers} peers\n`,
      )
    },
    stop: () => undefined,
  }
}
