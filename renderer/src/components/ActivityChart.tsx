import type { StatsSample } from '../../../src/api/contract.ts'
import { formatDuration, formatSpeed } from '../format.ts'

const WIDTH = 720
const HEIGHT = 220
const PAD = { left: 72, right: 48, top: 12, bottom: 28 }
const PLOT_W = WIDTH - PAD.left - PAD.right
const PLOT_H = HEIGHT - PAD.top - PAD.bottom
/** The time axis spans the samples, at least a minute and at most `spanMs` (five by default). */
const MIN_SPAN_MS = 60 * 1000
const DEFAULT_SPAN_MS = 5 * 60 * 1000

/** Round a maximum up to 1, 2 or 5 times a power of `base`'s steps, for readable axis labels. */
function niceCeiling(value: number, unit: number): number {
  if (value <= unit) return unit
  const power = 10 ** Math.floor(Math.log10(value / unit))
  for (const step of [1, 2, 5, 10]) if (value <= step * power * unit) return step * power * unit
  return 10 * power * unit
}

/** 1 KiB/s, 1 MiB/s, …: the binary unit that `bytesPerSecond` is at least one of. */
function speedUnit(bytesPerSecond: number): number {
  let unit = 1024
  while (bytesPerSecond >= unit * 1024) unit *= 1024
  return unit
}

function spanLabel(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds % 60 === 0 ? `${seconds / 60} min ago` : `${seconds} s ago`
}

/** Download and upload speed (left axis) and pieces that failed their hash (bars, right axis). */
export function ActivityChart({
  samples: allSamples,
  spanMs = DEFAULT_SPAN_MS,
}: {
  samples: StatsSample[]
  spanMs?: number
}) {
  const end = allSamples.at(-1)?.at ?? 0
  const samples = allSamples.filter((sample) => sample.at >= end - spanMs)
  const span = Math.min(spanMs, Math.max(MIN_SPAN_MS, end - (samples[0]?.at ?? end)))
  const start = end - span
  const x = (at: number) => PAD.left + ((at - start) / span) * PLOT_W
  const topSpeed = Math.max(0, ...samples.map((s) => Math.max(s.downloadSpeed, s.uploadSpeed)))
  const maxSpeed = niceCeiling(topSpeed, speedUnit(topSpeed))
  const maxFailures = niceCeiling(Math.max(2, ...samples.map((s) => s.hashFailures)), 1)
  const ySpeed = (speed: number) => PAD.top + PLOT_H - (speed / maxSpeed) * PLOT_H
  const yFailures = (count: number) => PAD.top + PLOT_H - (count / maxFailures) * PLOT_H
  const line = (pick: (s: StatsSample) => number) =>
    samples
      .map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.at).toFixed(1)},${ySpeed(pick(s)).toFixed(1)}`)
      .join(' ')
  const downloadLine = line((s) => s.downloadSpeed)
  const area =
    samples.length > 1
      ? `${downloadLine} L${x(end).toFixed(1)},${PAD.top + PLOT_H} L${x(samples[0]!.at).toFixed(1)},${PAD.top + PLOT_H} Z`
      : ''
  const totalFailures = samples.reduce((sum, s) => sum + s.hashFailures, 0)
  const peak = samples.reduce((best, s) => Math.max(best, s.downloadSpeed), 0)
  const barWidth = Math.max(2, (1000 / span) * PLOT_W * 0.8)
  const summary =
    samples.length === 0
      ? 'No activity recorded yet.'
      : `Last ${formatDuration(end - (samples[0]?.at ?? end))}: peak download ${formatSpeed(peak)}, now ${formatSpeed(samples.at(-1)?.downloadSpeed ?? 0)}; ${totalFailures === 1 ? '1 piece failed its hash' : `${totalFailures} pieces failed their hash`}.`

  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="xMidYMid meet"
      >
        {[0, 0.5, 1].map((fraction) => {
          const y = PAD.top + PLOT_H - fraction * PLOT_H
          return (
            <g key={fraction}>
              <line className="grid" x1={PAD.left} x2={PAD.left + PLOT_W} y1={y} y2={y} />
              <text className="axis-label" x={PAD.left - 6} y={y + 4} textAnchor="end">
                {formatSpeed(maxSpeed * fraction)}
              </text>
              {Number.isInteger(maxFailures * fraction) ? (
                <text className="axis-label failures" x={PAD.left + PLOT_W + 6} y={y + 4}>
                  {maxFailures * fraction}
                </text>
              ) : null}
            </g>
          )
        })}
        <text className="axis-label" x={PAD.left} y={HEIGHT - 8}>
          {spanLabel(span)}
        </text>
        <text className="axis-label" x={PAD.left + PLOT_W} y={HEIGHT - 8} textAnchor="end">
          now
        </text>
        {samples
          .filter((s) => s.hashFailures > 0 && s.at >= start)
          .map((s) => (
            <rect
              key={s.at}
              className="failure-bar"
              x={x(s.at) - barWidth / 2}
              y={yFailures(s.hashFailures)}
              width={barWidth}
              height={PAD.top + PLOT_H - yFailures(s.hashFailures)}
            />
          ))}
        {area ? <path className="download-area" d={area} /> : null}
        {samples.length > 1 ? <path className="download-line" d={downloadLine} /> : null}
        {samples.length > 1 ? <path className="upload-line" d={line((s) => s.uploadSpeed)} /> : null}
      </svg>
      <figcaption>
        <span className="legend legend-download">Download speed</span>
        <span className="legend legend-upload">Upload speed</span>
        <span className="legend legend-failures">Hash failures (right axis)</span>
        <span className="chart-summary">{summary}</span>
      </figcaption>
    </figure>
  )
}
