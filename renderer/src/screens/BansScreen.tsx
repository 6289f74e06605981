import { useId, useState } from 'react'
import type { BanView, ReportFormat } from '../../../src/api/contract.ts'
import { formatDate } from '../format.ts'

const REASONS: Record<BanView['reason'], string> = {
  'poisoned-block': 'Sent a block that differed from the verified piece',
  'sole-contributor': 'Sent every block of a piece that failed its hash',
  strikes: 'Shared too many failed pieces',
  unsolicited: 'Sent blocks nobody asked for',
  manual: 'Banned by you',
  imported: 'From an imported blocklist',
}

const FORMATS: { id: ReportFormat; label: string }[] = [
  { id: 'json', label: 'JSON' },
  { id: 'csv', label: 'CSV' },
  { id: 'p2p', label: 'PeerGuardian P2P' },
  { id: 'dat', label: 'eMule ipfilter.dat' },
]

interface Props {
  bans: BanView[]
  onLift(ban: BanView): Promise<void>
  onExport(format: ReportFormat, pseudonymise: boolean): Promise<void>
}

function Evidence({ ban }: { ban: BanView }) {
  const evidence = ban.evidence
  if (!evidence) return <span className="subline">{ban.note || '—'}</span>
  return (
    <span className="subline">
      piece {evidence.piece}, offset {evidence.offset}: got <code>{evidence.badDigest.slice(0, 12)}</code>
      {evidence.goodDigest ? (
        <>
          , expected <code>{evidence.goodDigest.slice(0, 12)}</code>
        </>
      ) : null}{' '}
      in <code title={evidence.infoHash}>{evidence.infoHash.slice(0, 8)}…</code>
    </span>
  )
}

/** Active bans with their evidence and expiry; lift one, or export them all as a report. */
export function BansScreen({ bans, onLift, onExport }: Props) {
  const formatId = useId()
  const pseudonymiseId = useId()
  const [format, setFormat] = useState<ReportFormat>('json')
  const [pseudonymise, setPseudonymise] = useState(false)
  const [busy, setBusy] = useState(false)

  return (
    <section aria-labelledby="bans-title" className="screen">
      <h2 id="bans-title">Bans</h2>
      <form
        className="toolbar"
        aria-label="Export bans"
        onSubmit={(event) => {
          event.preventDefault()
          setBusy(true)
          void onExport(format, pseudonymise).finally(() => setBusy(false))
        }}
      >
        <label htmlFor={formatId}>Report format</label>
        <select
          id={formatId}
          value={format}
          onChange={(event) => setFormat(event.target.value as ReportFormat)}
        >
          {FORMATS.map((option) => (
            <option key={option.id} value={option.id}>
              {option.label}
            </option>
          ))}
        </select>
        <span className="checkbox">
          <input
            id={pseudonymiseId}
            type="checkbox"
            checked={pseudonymise}
            disabled={format === 'p2p' || format === 'dat'}
            onChange={(event) => setPseudonymise(event.target.checked)}
          />
          <label htmlFor={pseudonymiseId}>Pseudonymise addresses</label>
        </span>
        <button type="submit" disabled={busy}>
          Export report
        </button>
      </form>
      {bans.length === 0 ? (
        <p className="empty">No active bans. Peers that send poisoned pieces appear here.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Active bans</caption>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Reason and evidence</th>
              <th scope="col">Source</th>
              <th scope="col">Since</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {bans.map((ban) => (
              <tr key={`${ban.address}-${ban.rangeEnd ?? ''}-${ban.createdAt}`} data-address={ban.address}>
                <th scope="row">
                  <code>{ban.rangeEnd ? `${ban.address} – ${ban.rangeEnd}` : ban.address}</code>
                </th>
                <td>
                  <span className="name">{REASONS[ban.reason]}</span>
                  <Evidence ban={ban} />
                </td>
                <td>{ban.source}</td>
                <td>{formatDate(ban.createdAt)}</td>
                <td>{ban.expiresAt === null ? 'permanent' : formatDate(ban.expiresAt)}</td>
                <td>
                  <button type="button" className="quiet" onClick={() => void onLift(ban)}>
                    Lift<span className="visually-hidden"> the ban on {ban.address}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
