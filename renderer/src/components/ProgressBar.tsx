import { formatPercent } from '../format.ts'

export function ProgressBar({ value, label, done }: { value: number; label: string; done: boolean }) {
  const percent = Math.round(value * 1000) / 10
  return (
    <div
      className={`progress${done ? ' progress-done' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={formatPercent(value)}
    >
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text">{formatPercent(value)}</span>
    </div>
  )
}
