import { useEffect, useId, useState } from 'react'
import type { DryRun, RulesView } from '../../../src/api/contract.ts'
import type { Api } from '../api.ts'
import { SubscriptionsPanel } from './SubscriptionsPanel.tsx'

const OUTCOMES: Record<DryRun['findings'][number]['outcome'], string> = {
  ban: 'Would be banned',
  shadow: 'Would be shadow-banned',
  strikes: 'Strikes only',
}

/**
 * HOME/rules.json: edit it, try it on the recorded peer history (a dry run that bans nobody), and
 * save it, which the running engine applies to new connections at once.
 */
export function RulesScreen({ api }: { api: Api }) {
  const editorId = useId()
  const [view, setView] = useState<RulesView | null>(null)
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const [dryRun, setDryRun] = useState<DryRun | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    let live = true
    void api
      .call('rules.get', {})
      .then((loaded) => {
        if (!live) return
        setView(loaded)
        setText(loaded.text)
      })
      .catch((error: Error) => live && setProblem(error.message))
    return () => {
      live = false
    }
  }, [api])

  async function run(action: 'test' | 'save') {
    setBusy(true)
    setProblem(null)
    setStatus(null)
    try {
      if (action === 'test') setDryRun(await api.call('rules.test', { text }))
      else {
        const saved = await api.call('rules.set', { text })
        setView(saved)
        setStatus(`Saved to ${saved.file}; new connections are judged by these rules.`)
      }
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="rules-title" className="screen">
      <h2 id="rules-title">Rules</h2>
      <p className="lead">
        Ban rules beyond hash failures: client names and peer IDs, progress cheating, many connections from
        one network, idle connections. Try a change on the recorded peer history before you save it.
      </p>
      <label htmlFor={editorId}>
        {view?.file ?? 'rules.json'}
        {view?.isDefault ? ' (not saved yet: these are the defaults)' : ''}
      </label>
      <textarea
        id={editorId}
        className="rules-editor"
        spellCheck={false}
        rows={24}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <div className="actions">
        <button type="button" disabled={busy || text === ''} onClick={() => void run('test')}>
          Dry run
        </button>
        <button type="button" disabled={busy || text === ''} onClick={() => void run('save')}>
          Save rules
        </button>
      </div>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      {status ? <p role="status">{status}</p> : null}
      {dryRun ? (
        <div aria-label="Dry run" role="region">
          <p>
            Replayed {dryRun.peers} peer records and {dryRun.observations} torrent observations:{' '}
            {dryRun.findings.length === 0
              ? 'no peer would have been banned.'
              : `${dryRun.findings.filter((finding) => finding.outcome === 'ban').length} would have been banned.`}
          </p>
          {dryRun.findings.length > 0 ? (
            <table>
              <caption className="visually-hidden">Peers these rules would have acted on</caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {dryRun.findings.map((finding) => (
                  <tr key={finding.address} data-address={finding.address}>
                    <th scope="row">
                      <code>{finding.address}</code>
                    </th>
                    <td>
                      {OUTCOMES[finding.outcome]} ({finding.reason})
                    </td>
                    <td>
                      {finding.verdicts.map((verdict) => (
                        <span className="subline" key={verdict.note}>
                          {verdict.action}: {verdict.note}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
      <SubscriptionsPanel api={api} />
    </section>
  )
}
