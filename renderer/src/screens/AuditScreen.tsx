import { useCallback, useEffect, useId, useState } from 'react'
import type { CommandResult } from '../../../src/api/contract.ts'
import type { Api } from '../api.ts'
import { formatDate } from '../format.ts'

type Entry = CommandResult<'audit.list'>['entries'][number]

/** Kinds the filter always offers; kinds seen in the loaded pages are added to them. */
const KINDS = [
  'provenance.accepted',
  'provenance.refused',
  'provenance.override',
  'ban.lifted',
  'ban.imported',
  'trust.pinned',
  'trust.removed',
  'trust.revoked',
]
const PAGE = 50

/** The tamper-evident audit log from the store, newest first, a page at a time. */
export function AuditScreen({ api }: { api: Api }) {
  const kindId = useId()
  const [kind, setKind] = useState('')
  const [entries, setEntries] = useState<Entry[]>([])
  const [nextBefore, setNextBefore] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)

  const load = useCallback(
    async (before: number | null, append: boolean) => {
      try {
        const page = await api.call('audit.list', {
          limit: PAGE,
          ...(kind ? { kind } : {}),
          ...(before ? { before } : {}),
        })
        setEntries((current) => (append ? [...current, ...page.entries] : page.entries))
        setNextBefore(page.nextBefore)
        setError(null)
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure))
      }
    },
    [api, kind],
  )
  useEffect(() => void load(null, false), [load])

  return (
    <section aria-labelledby="audit-title" className="screen">
      <h2 id="audit-title">Audit log</h2>
      <p className="lead">
        Every provenance decision, override, ban and trust change, hash-chained in the store (
        <code>vouch audit verify</code> checks the chain).
      </p>
      <div className="toolbar">
        <label htmlFor={kindId}>Kind</label>
        <select id={kindId} value={kind} onChange={(event) => setKind(event.target.value)}>
          <option value="">All</option>
          {[...new Set([...KINDS, ...entries.map((entry) => entry.kind)])].sort().map((entry) => (
            <option key={entry} value={entry}>
              {entry}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load(null, false)}>
          Refresh
        </button>
      </div>
      {error ? <p className="negative">{error}</p> : null}
      {entries.length === 0 ? (
        <p className="empty">No audit events{kind ? ` of kind ${kind}` : ''} yet.</p>
      ) : (
        <div className="table-container">
          <table className="responsive audit">
            <caption className="visually-hidden">Audit log</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Kind</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq} data-seq={entry.seq} data-kind={entry.kind}>
                  <th scope="row">
                    <span className="name">{entry.summary}</span>
                    <span className="subline">#{entry.seq}</span>
                  </th>
                  <td data-label="Kind">
                    <code>{entry.kind}</code>
                  </td>
                  <td data-label="When">{formatDate(entry.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextBefore !== null ? (
        <button type="button" className="more" onClick={() => void load(nextBefore, true)}>
          Older events
        </button>
      ) : null}
    </section>
  )
}
