import { useId, useRef, useState, type FormEvent } from 'react'
import type { BanView, BlocklistImport, ReportFormat } from '../../../src/api/contract.ts'
import { ManualBan } from '../components/ManualBan.tsx'
import { formatDate } from '../format.ts'

const REASONS: Record<BanView['reason'], string> = {
  'poisoned-block': 'Sent a block that differed from the verified piece',
  'sole-contributor': 'Sent every block of a piece that failed its hash',
  strikes: 'Shared too many failed pieces',
  unsolicited: 'Sent blocks nobody asked for',
  'protocol-violation': 'Sent a wire message its type does not allow, or flooded requests',
  manual: 'Banned by you',
  imported: 'From an imported blocklist',
  'client-rule': 'Matched a peer ID or client rule',
  'progress-cheat': 'Reported progress it cannot have',
  'multi-dial': 'Too many connections from one network',
  idle: 'Held connections open without asking for anything',
  'rule-strikes': 'Too many rule strikes',
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
  /** `keyFile`: the user's secret key file, sent with this export only. */
  onExport(format: ReportFormat, pseudonymise: boolean, keyFile: File | null): Promise<void>
  /** `force`: also import entries the limits refuse (too wide, loopback, this machine). */
  onImport(file: File, force: boolean): Promise<BlocklistImport | null>
  onBan(address: string, reason: string, expiresAt: number | null): Promise<boolean>
}

/** Whether a ban matches every word of the search: address, reason, note, torrent. */
function matches(ban: BanView, words: string[]): boolean {
  const text = [
    ban.address,
    ban.rangeEnd ?? '',
    REASONS[ban.reason],
    ban.note,
    ban.source,
    ban.torrentName ?? '',
    ban.evidence?.infoHash ?? '',
  ]
    .join(' ')
    .toLocaleLowerCase()
  return words.every((word) => text.includes(word))
}

/** Pick a blocklist file; its bytes go to the back end, which bans every range and reports bad lines. */
function ImportForm({ onImport }: Pick<Props, 'onImport'>) {
  const fileId = useId()
  const input = useRef<HTMLInputElement>(null)
  const forceId = useId()
  const [force, setForce] = useState(false)
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ fileName: string; outcome: BlocklistImport } | null>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const file = input.current?.files?.[0]
    if (!file) return
    setBusy(true)
    const outcome = await onImport(file, force)
    setBusy(false)
    if (!outcome) return
    setResult({ fileName: file.name, outcome })
    if (input.current) input.current.value = ''
  }

  return (
    <form className="toolbar" aria-label="Import a blocklist" onSubmit={(event) => void submit(event)}>
      <label htmlFor={fileId}>Blocklist file</label>
      <input
        id={fileId}
        ref={input}
        type="file"
        accept=".p2p,.dat,.txt,.gz,.cidr,text/plain,application/gzip"
      />
      <input
        id={forceId}
        type="checkbox"
        checked={force}
        onChange={(event) => setForce(event.target.checked)}
      />
      <label htmlFor={forceId}>Also import entries that would ban this machine or more than a /8</label>
      <button type="submit" disabled={busy}>
        Import blocklist
      </button>
      <span className="subline">PeerGuardian P2P, eMule DAT, CIDR or plain addresses; gzip too</span>
      {result ? (
        <div className="import-result" role="status">
          <p>
            {result.fileName}: {result.outcome.imported} imported, {result.outcome.alreadyBanned} already
            banned
            {result.outcome.allowed ? `, ${result.outcome.allowed} allowed entries left out` : ''},{' '}
            {result.outcome.connectionsClosed} connections closed, {result.outcome.malformedLines} malformed
            lines skipped
          </p>
          {result.outcome.malformed.length > 0 ? (
            <ul className="malformed">
              {result.outcome.malformed.map((line) => (
                <li key={line.line}>
                  line {line.line}: {line.reason}: <code>{line.text}</code>
                </li>
              ))}
            </ul>
          ) : null}
          {result.outcome.refusedCount > 0 ? (
            <>
              <p>
                {result.outcome.refusedCount} entries refused (too wide, or they would ban this machine); the
                command line imports them with <code>vouch bans import --force</code>
              </p>
              <ul className="malformed refused">
                {result.outcome.refused.map((entry) => (
                  <li key={entry.range}>
                    <code>{entry.range}</code> {entry.label}: {entry.message}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </form>
  )
}

/** The torrent the evidence is from: its name when known, its infohash in the title. */
function TorrentName({ name, infoHash }: { name: string | null; infoHash: string }) {
  return name ? (
    <span className="torrent-ref" title={infoHash}>
      {name}
    </span>
  ) : (
    <code title={infoHash}>{infoHash.slice(0, 8)}…</code>
  )
}

function Evidence({ ban }: { ban: BanView }) {
  const evidence = ban.evidence
  if (ban.rule)
    return (
      <span className="subline" data-rule={ban.rule.rule}>
        {ban.note} (rule <code>{ban.rule.rule}</code>:{' '}
        {Object.entries(ban.rule.facts)
          .map(([name, value]) => `${name} ${value}`)
          .join(', ')}
        )
      </span>
    )
  if (!evidence) return <span className="subline">{ban.note || '—'}</span>
  if ('messageId' in evidence) {
    return (
      <span className="subline">
        {evidence.violation === 'request-flood'
          ? `flooded requests: more than ${evidence.limit} outstanding`
          : `${evidence.message} message (id ${evidence.messageId}) of ${evidence.declaredLength} bytes, at most ${evidence.limit} allowed`}
        {evidence.infoHash ? (
          <>
            {' '}
            in <TorrentName name={ban.torrentName} infoHash={evidence.infoHash} />
          </>
        ) : null}
      </span>
    )
  }
  return (
    <span className="subline">
      piece {evidence.piece}, offset {evidence.offset}: got <code>{evidence.badDigest.slice(0, 12)}</code>
      {evidence.goodDigest ? (
        <>
          , expected <code>{evidence.goodDigest.slice(0, 12)}</code>
        </>
      ) : null}{' '}
      in <TorrentName name={ban.torrentName} infoHash={evidence.infoHash} />
    </span>
  )
}

/** Active bans with their evidence and expiry; lift one, or export them all as a report. */
export function BansScreen({ bans, onLift, onExport, onImport, onBan }: Props) {
  const searchId = useId()
  const [search, setSearch] = useState('')
  const words = search.toLocaleLowerCase().split(/\s+/).filter(Boolean)
  const shown = bans.filter((ban) => matches(ban, words))
  const formatId = useId()
  const pseudonymiseId = useId()
  const keyId = useId()
  const keyHintId = useId()
  // The key file stays a browser File in memory: read at export, never stored anywhere.
  const [keyFile, setKeyFile] = useState<File | null>(null)
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
          void onExport(format, pseudonymise, keyFile).finally(() => setBusy(false))
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
        <label htmlFor={keyId}>Sign with your key file</label>
        <input
          id={keyId}
          type="file"
          aria-describedby={keyHintId}
          onChange={(event) => setKeyFile(event.target.files?.[0] ?? null)}
        />
        <button type="submit" disabled={busy}>
          Export report
        </button>
        <span id={keyHintId} className="subline">
          Optional: the secret key made by <code>vouch keygen</code>, read for each export and never stored
        </span>
      </form>
      <ImportForm onImport={onImport} />
      <ManualBan onBan={onBan} />
      {bans.length > 0 ? (
        <div className="toolbar" role="search">
          <label htmlFor={searchId}>Search bans</label>
          <input
            id={searchId}
            type="search"
            value={search}
            placeholder="address, reason, torrent"
            onChange={(event) => setSearch(event.target.value)}
          />
          {shown.length !== bans.length ? (
            <span className="subline" role="status">
              {shown.length} of {bans.length} shown
            </span>
          ) : null}
        </div>
      ) : null}
      {bans.length === 0 ? (
        <p className="empty">No active bans. Peers that send poisoned pieces appear here.</p>
      ) : (
        <div className="table-container">
          <table className="responsive">
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
              {shown.map((ban) => (
                <tr key={`${ban.address}-${ban.rangeEnd ?? ''}-${ban.createdAt}`} data-address={ban.address}>
                  <th scope="row">
                    <code>{ban.rangeEnd ? `${ban.address} – ${ban.rangeEnd}` : ban.address}</code>
                  </th>
                  <td>
                    <span className="name">{REASONS[ban.reason]}</span>
                    <Evidence ban={ban} />
                  </td>
                  <td data-label="Source">{ban.source}</td>
                  <td data-label="Since">{formatDate(ban.createdAt)}</td>
                  <td data-label="Expires">
                    {ban.expiresAt === null ? 'permanent' : formatDate(ban.expiresAt)}
                  </td>
                  <td className="actions">
                    <button type="button" className="quiet" onClick={() => void onLift(ban)}>
                      Lift<span className="visually-hidden"> the ban on {ban.address}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
