import { useEffect, useId, useState, type ReactNode } from 'react'

/**
 * A number setting: typed freely, saved when the field is left or Enter is pressed (so a half-typed
 * value is never applied); empty means "no limit" (null). `scale` turns the shown unit into the
 * stored one (KiB/s shown, bytes/s stored).
 */
export function NumberSetting({
  label,
  value,
  unit,
  scale = 1,
  step = 1,
  emptyMeans,
  hint,
  onSave,
}: {
  label: string
  value: number | null
  unit?: string
  scale?: number
  step?: number
  emptyMeans: string
  hint?: ReactNode
  onSave(value: number | null): Promise<boolean>
}) {
  const id = useId()
  const hintId = useId()
  const shown = value === null ? '' : String(Math.round((value / scale) * 100) / 100)
  const [draft, setDraft] = useState(shown)
  useEffect(() => setDraft(shown), [shown])

  async function commit() {
    const text = draft.trim()
    // Whole units (bytes/s, minutes, ports) are rounded; a ratio keeps its fraction.
    const raw = Number(text) * scale
    const next = text === '' ? null : step >= 1 ? Math.round(raw) : raw
    if (next === value || (next !== null && !Number.isFinite(next))) return setDraft(shown)
    if (!(await onSave(next))) setDraft(shown)
  }

  return (
    <div className="setting">
      <label htmlFor={id}>{label}</label>
      <span className="setting-input">
        <input
          id={id}
          type="number"
          min={0}
          step={step}
          inputMode="decimal"
          value={draft}
          placeholder={emptyMeans}
          aria-describedby={hint ? hintId : undefined}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => void commit()}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void commit()
          }}
        />
        {unit ? <span className="unit">{unit}</span> : null}
      </span>
      {hint ? (
        <span id={hintId} className="subline">
          {hint}
        </span>
      ) : null}
    </div>
  )
}

export function ToggleSetting({
  label,
  checked,
  hint,
  onSave,
}: {
  label: string
  checked: boolean
  hint?: ReactNode
  onSave(value: boolean): void
}) {
  const id = useId()
  return (
    <div className="setting setting-toggle">
      <span className="checkbox">
        <input id={id} type="checkbox" checked={checked} onChange={(event) => onSave(event.target.checked)} />
        <label htmlFor={id}>{label}</label>
      </span>
      {hint ? <span className="subline">{hint}</span> : null}
    </div>
  )
}
