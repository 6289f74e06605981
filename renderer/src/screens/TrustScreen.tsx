import { useId, useState, type FormEvent } from 'react'
import type { PublisherView } from '../../../src/api/contract.ts'
import { TrustGroups, type TrustGroupProps } from './TrustGroups.tsx'

interface Props extends TrustGroupProps {
  publishers: PublisherView[]
  onPin(request: { publicKey: string; name: string; expires?: string; scope?: string }): Promise<boolean>
  onRemove(publisher: PublisherView): Promise<void>
  onRevoke(publisher: PublisherView): Promise<void>
}

const STATUS_CLASS: Record<PublisherView['status'], string> = {
  pinned: 'badge badge-signed',
  expired: 'badge badge-warning',
  revoked: 'badge badge-danger',
  rotated: 'badge',
}

function PinForm({ onPin }: Pick<Props, 'onPin'>) {
  const keyId = useId()
  const nameId = useId()
  const expiresId = useId()
  const scopeId = useId()
  const [publicKey, setPublicKey] = useState('')
  const [name, setName] = useState('')
  const [expires, setExpires] = useState('')
  const [scope, setScope] = useState('')

  async function submit(event: FormEvent) {
    event.preventDefault()
    const pinned = await onPin({
      publicKey: publicKey.trim(),
      name: name.trim(),
      ...(expires ? { expires: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      ...(scope.trim() ? { scope: scope.trim() } : {}),
    })
    if (pinned) {
      setPublicKey('')
      setName('')
      setExpires('')
      setScope('')
    }
  }

  return (
    <form className="form-grid" aria-label="Pin a publisher" onSubmit={(event) => void submit(event)}>
      <label htmlFor={keyId}>Public key</label>
      <input
        id={keyId}
        type="text"
        required
        value={publicKey}
        placeholder="vouch-ed25519 … or ssh-ed25519 AAAA…"
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => setPublicKey(event.target.value)}
      />
      <label htmlFor={nameId}>Name</label>
      <input
        id={nameId}
        type="text"
        required
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <label htmlFor={expiresId}>Trust until (optional)</label>
      <input
        id={expiresId}
        type="date"
        value={expires}
        onChange={(event) => setExpires(event.target.value)}
      />
      <label htmlFor={scopeId}>Only for names matching (optional)</label>
      <input
        id={scopeId}
        type="text"
        value={scope}
        placeholder="debian-*.iso"
        onChange={(event) => setScope(event.target.value)}
      />
      <span />
      <div>
        <button type="submit" className="primary" disabled={publicKey.trim() === '' || name.trim() === ''}>
          Pin publisher
        </button>
      </div>
    </form>
  )
}

/** A key in a threshold group signs nothing alone: say so beside its status. */
function groupNote(publisher: PublisherView, groups: Props['groups']): string | null {
  const group = groups.find((candidate) => candidate.members.includes(publisher.fingerprint))
  if (!group || group.threshold < 2) return null
  return `in group ${group.name}: counts only with ${group.threshold - 1} more of its ${group.members.length} keys`
}

function PublisherRow({
  publisher,
  groups,
  onPin,
  onRemove,
  onRevoke,
}: Props & { publisher: PublisherView }) {
  const [mode, setMode] = useState<'idle' | 'rename' | 'confirm-revoke'>('idle')
  const [name, setName] = useState(publisher.name)
  const renameId = useId()
  const revoked = publisher.status === 'revoked'
  const note = groupNote(publisher, groups)
  return (
    <tr data-fingerprint={publisher.fingerprint} data-status={publisher.status}>
      <th scope="row">
        {mode === 'rename' ? (
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault()
              void onPin({
                publicKey: publisher.publicKey,
                name: name.trim(),
                ...(publisher.expires ? { expires: publisher.expires } : {}),
                ...(publisher.scope ? { scope: publisher.scope } : {}),
              }).then((ok) => ok && setMode('idle'))
            }}
          >
            <label htmlFor={renameId} className="visually-hidden">
              New name for {publisher.fingerprint}
            </label>
            <input
              id={renameId}
              type="text"
              value={name}
              autoFocus
              onChange={(event) => setName(event.target.value)}
            />
            <button type="submit" disabled={name.trim() === ''}>
              Save
            </button>
            <button type="button" className="quiet" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="name">{publisher.name}</span>
        )}
        <code className="public-key subline">{publisher.publicKey}</code>
      </th>
      <td data-label="Fingerprint">
        <code className="fingerprint">{publisher.fingerprint}</code>
      </td>
      <td data-label="Status">
        <span className={STATUS_CLASS[publisher.status]}>
          {publisher.status === 'rotated' ? `rotated → ${publisher.rotatedTo ?? '?'}` : publisher.status}
        </span>
        {note ? <span className="subline">{note}</span> : null}
      </td>
      <td data-label="Scope">{publisher.scope ?? 'any name'}</td>
      <td data-label="Expires">
        {publisher.expires ? new Date(publisher.expires).toLocaleDateString() : 'never'}
      </td>
      <td className="actions">
        {revoked ? (
          <span className="subline">revoked {new Date(publisher.revokedAt ?? '').toLocaleDateString()}</span>
        ) : mode === 'confirm-revoke' ? (
          <>
            <button type="button" className="danger" onClick={() => void onRevoke(publisher)}>
              Revoke forever
            </button>
            <button type="button" className="quiet" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button type="button" className="quiet" onClick={() => setMode('rename')}>
              Rename<span className="visually-hidden"> {publisher.name}</span>
            </button>
            <button type="button" className="quiet" onClick={() => void onRemove(publisher)}>
              Remove<span className="visually-hidden"> {publisher.name}</span>
            </button>
            <button type="button" className="quiet danger" onClick={() => setMode('confirm-revoke')}>
              Revoke…<span className="visually-hidden"> {publisher.name}</span>
            </button>
          </>
        )}
      </td>
    </tr>
  )
}

/** The pinned publishers: pin, name, revoke and remove keys. */
export function TrustScreen(props: Props) {
  return (
    <section aria-labelledby="trust-title" className="screen">
      <h2 id="trust-title">Trusted publishers</h2>
      <p className="lead">
        Vouch downloads only torrents signed by a key pinned here. Pin a key only after checking its
        fingerprint with the publisher. A revoked key is refused forever.
      </p>
      <PinForm onPin={props.onPin} />
      {props.publishers.length === 0 ? (
        <p className="empty">No publishers pinned yet.</p>
      ) : (
        <div className="table-container">
          <table className="responsive">
            <caption className="visually-hidden">Pinned publishers</caption>
            <thead>
              <tr>
                <th scope="col">Name and key</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Status</th>
                <th scope="col">Scope</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.publishers.map((publisher) => (
                <PublisherRow key={publisher.fingerprint} publisher={publisher} {...props} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TrustGroups {...props} />
    </section>
  )
}
