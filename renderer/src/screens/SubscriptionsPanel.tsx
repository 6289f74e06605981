import { useCallback, useEffect, useId, useState, type FormEvent } from 'react'
import type { SubscriptionView } from '../../../src/api/contract.ts'
import type { Api } from '../api.ts'
import { formatDate } from '../format.ts'

const EVERY: { ms: number; label: string }[] = [
  { ms: 3_600_000, label: 'every hour' },
  { ms: 4 * 3_600_000, label: 'every 4 hours' },
  { ms: 86_400_000, label: 'every day' },
]

/** Blocklists fetched from a URL on a schedule (vouch bans subscribe), with how their last fetch went. */
export function SubscriptionsPanel({ api }: { api: Api }) {
  const urlId = useId()
  const everyId = useId()
  const [list, setList] = useState<SubscriptionView[]>([])
  const [url, setUrl] = useState('')
  const [everyMs, setEveryMs] = useState(4 * 3_600_000)
  const [problem, setProblem] = useState<string | null>(null)

  const refresh = useCallback(() => api.call('subscriptions.list', {}).then(setList), [api])
  useEffect(() => {
    void refresh().catch((error: Error) => setProblem(error.message))
  }, [refresh])

  async function subscribe(event: FormEvent) {
    event.preventDefault()
    setProblem(null)
    try {
      await api.call('subscriptions.add', { url, everyMs })
      setUrl('')
      await refresh()
    } catch (error) {
      setProblem((error as Error).message)
    }
  }

  return (
    <section aria-labelledby={`${urlId}-title`}>
      <h3 id={`${urlId}-title`}>Blocklist subscriptions</h3>
      <form onSubmit={(event) => void subscribe(event)}>
        <label htmlFor={urlId}>Blocklist URL</label>
        <input id={urlId} type="url" required value={url} onChange={(event) => setUrl(event.target.value)} />
        <label htmlFor={everyId}>Fetch</label>
        <select id={everyId} value={everyMs} onChange={(event) => setEveryMs(Number(event.target.value))}>
          {EVERY.map((choice) => (
            <option key={choice.ms} value={choice.ms}>
              {choice.label}
            </option>
          ))}
        </select>
        <button type="submit">Subscribe</button>
      </form>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      {list.length === 0 ? (
        <p className="empty">No subscriptions.</p>
      ) : (
        <ul className="subscriptions">
          {list.map((subscription) => (
            <li key={subscription.url} data-url={subscription.url}>
              <code>{subscription.url}</code>{' '}
              {subscription.error ? (
                <span className="error">Last fetch failed: {subscription.error}</span>
              ) : (
                <span>
                  {subscription.entries} entries
                  {subscription.checkedAt ? `, checked ${formatDate(subscription.checkedAt)}` : ''}
                </span>
              )}{' '}
              <button
                type="button"
                className="quiet"
                onClick={() =>
                  void api
                    .call('subscriptions.remove', { url: subscription.url })
                    .then(refresh)
                    .catch((error: Error) => setProblem(error.message))
                }
              >
                Unsubscribe<span className="visually-hidden"> from {subscription.url}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
