import { useCallback, useEffect, useId, useState, type FormEvent } from 'react'
import type { FeedDescription, FeedView } from '../../../src/api/contract.ts'
import { ApiCallError, type Api } from '../api.ts'

interface Props {
  api: Api
}

const STATE_CLASS: Record<FeedView['state'], string> = {
  ok: 'badge badge-signed',
  waiting: 'badge',
  stale: 'badge badge-warning',
  refused: 'badge badge-danger',
  error: 'badge badge-danger',
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—')
const message = (error: unknown) =>
  error instanceof ApiCallError || error instanceof Error ? error.message : String(error)

/**
 * Subscribe by pasting a feed magnet: the feed's key is shown with its fingerprint first, and an
 * unpinned key must be pinned deliberately (checked fingerprint, a name) before following.
 */
function Subscribe({ api, onFollowed }: Props & { onFollowed(): void }) {
  const magnetId = useId()
  const nameId = useId()
  const checkedId = useId()
  const [magnet, setMagnet] = useState('')
  const [feed, setFeed] = useState<FeedDescription | null>(null)
  const [name, setName] = useState('')
  const [checked, setChecked] = useState(false)
  const [notifyOnly, setNotifyOnly] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function describe(event: FormEvent) {
    event.preventDefault()
    setError(null)
    try {
      setFeed(await api.call('feeds.describe', { magnet: magnet.trim() }))
    } catch (caught) {
      setFeed(null)
      setError(message(caught))
    }
  }

  async function follow() {
    if (!feed) return
    setError(null)
    try {
      if (feed.pinnedAs === null)
        await api.call('trust.pin', { publicKey: feed.publicKey, name: name.trim() })
      await api.call('feeds.follow', { magnet: feed.magnet, notifyOnly })
      setMagnet('')
      setFeed(null)
      setName('')
      setChecked(false)
      onFollowed()
    } catch (caught) {
      setError(message(caught))
    }
  }

  const mustPin = feed !== null && feed.pinnedAs === null
  return (
    <div className="feed-subscribe">
      <form className="form-grid" aria-label="Follow a feed" onSubmit={(event) => void describe(event)}>
        <label htmlFor={magnetId}>Feed magnet</label>
        <input
          id={magnetId}
          type="text"
          required
          value={magnet}
          placeholder="magnet:?xs=urn:btpk:…&s=…"
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => setMagnet(event.target.value)}
        />
        <button type="submit">Look up</button>
      </form>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {feed ? (
        <div className="feed-offer" aria-label="Feed to follow">
          <p>
            Feed <strong>{feed.name}</strong> from key <code className="fingerprint">{feed.fingerprint}</code>
            {feed.pinnedAs ? ` (pinned as ${feed.pinnedAs})` : ''}
          </p>
          <code className="public-key subline">{feed.publicKey}</code>
          {feed.revoked ? <p className="error">This key is revoked: its feed cannot be followed.</p> : null}
          {mustPin && !feed.revoked ? (
            <div className="form-grid">
              <p>
                This key is not pinned. Pin it only after checking the fingerprint with the publisher: every
                release it signs will download by itself.
              </p>
              <label htmlFor={nameId}>Name for this publisher</label>
              <input id={nameId} type="text" value={name} onChange={(event) => setName(event.target.value)} />
              <label htmlFor={checkedId}>
                <input
                  id={checkedId}
                  type="checkbox"
                  checked={checked}
                  onChange={(event) => setChecked(event.target.checked)}
                />{' '}
                I checked the fingerprint {feed.fingerprint} with the publisher
              </label>
            </div>
          ) : null}
          <label>
            <input
              type="checkbox"
              checked={notifyOnly}
              onChange={(event) => setNotifyOnly(event.target.checked)}
            />{' '}
            Only notify me of new releases
          </label>
          <button
            type="button"
            disabled={feed.revoked || (mustPin && (!checked || name.trim() === ''))}
            onClick={() => void follow()}
          >
            {mustPin ? 'Pin key and follow' : 'Follow'}
          </button>
        </div>
      ) : null}
    </div>
  )
}

/** Followed publisher feeds (BEP 46): last release, last update, next poll, state and errors. */
export function FeedsScreen({ api }: Props) {
  const [feeds, setFeeds] = useState<FeedView[]>([])
  const [error, setError] = useState<string | null>(null)
  const refresh = useCallback(() => {
    api.call('feeds.list', {}).then(setFeeds, (caught: unknown) => setError(message(caught)))
  }, [api])
  useEffect(() => {
    refresh()
    return api.onEvent((event) => {
      if (event.event === 'feeds.changed') refresh()
    })
  }, [api, refresh])

  return (
    <section aria-labelledby="feeds-title" className="screen">
      <h2 id="feeds-title">Feeds</h2>
      <p className="lead">
        A feed is a publisher’s release channel on the DHT. Each new release it signs is fetched, verified and
        started by itself; older, forged or oversized items are refused and logged.
      </p>
      <Subscribe api={api} onFollowed={refresh} />
      {error ? <p className="error">{error}</p> : null}
      {feeds.length === 0 ? (
        <p className="empty">No feeds followed yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Followed feeds</caption>
          <thead>
            <tr>
              <th scope="col">Feed</th>
              <th scope="col">Last release</th>
              <th scope="col">Last update</th>
              <th scope="col">Next poll</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {feeds.map((feed) => (
              <tr key={feed.id}>
                <th scope="row">
                  <span className="name">{feed.name}</span>
                  <code className="fingerprint subline">{feed.fingerprint}</code>
                </th>
                <td>{feed.lastSeq === null ? '—' : `#${feed.lastSeq}`}</td>
                <td>{when(feed.lastUpdate)}</td>
                <td>{when(feed.nextPollAt)}</td>
                <td>
                  <span className={STATE_CLASS[feed.state]}>{feed.state}</span>
                  {feed.lastError ? <span className="subline error">{feed.lastError}</span> : null}
                  {feed.available ? (
                    <span className="subline">release #{feed.available.seq} available</span>
                  ) : null}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="quiet"
                    onClick={() =>
                      void api
                        .call('feeds.remove', { id: feed.id })
                        .then(refresh, (caught: unknown) => setError(message(caught)))
                    }
                  >
                    Unfollow<span className="visually-hidden"> {feed.name}</span>
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
