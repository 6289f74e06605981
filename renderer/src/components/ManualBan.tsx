import { useId, useState, type FormEvent } from 'react'

interface Props {
  /** Resolves true when the ban was made. */
  onBan(address: string, reason: string, expiresAt: number | null): Promise<boolean>
}

const DAY_MS = 86_400_000

/** Ban one address by hand, for good or for a number of days. */
export function ManualBan({ onBan }: Props) {
  const addressId = useId()
  const reasonId = useId()
  const daysId = useId()
  const [address, setAddress] = useState('')
  const [reason, setReason] = useState('')
  const [days, setDays] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (address.trim() === '') return
    setBusy(true)
    const expiresAt = days.trim() === '' ? null : Date.now() + Number(days) * DAY_MS
    if (await onBan(address.trim(), reason.trim(), expiresAt)) {
      setAddress('')
      setReason('')
      setDays('')
    }
    setBusy(false)
  }

  return (
    <form className="toolbar" aria-label="Ban an address" onSubmit={(event) => void submit(event)}>
      <label htmlFor={addressId}>Ban address</label>
      <input
        id={addressId}
        type="text"
        value={address}
        placeholder="203.0.113.7 or 2001:db8::1"
        spellCheck={false}
        onChange={(event) => setAddress(event.target.value)}
      />
      <label htmlFor={reasonId}>Reason</label>
      <input id={reasonId} type="text" value={reason} onChange={(event) => setReason(event.target.value)} />
      <label htmlFor={daysId}>For (days)</label>
      <input
        id={daysId}
        type="number"
        min={1}
        value={days}
        placeholder="ever"
        className="short"
        onChange={(event) => setDays(event.target.value)}
      />
      <button type="submit" className="danger" disabled={busy || address.trim() === ''}>
        Ban
      </button>
    </form>
  )
}
