import { useId, useState, type FormEvent } from 'react'
import type {
  CommandArgs,
  PublisherView,
  RotationPreview,
  TrustGroupView,
} from '../../../src/api/contract.ts'

export interface TrustGroupProps {
  publishers: PublisherView[]
  groups: TrustGroupView[]
  onAddGroup(request: CommandArgs<'trust.addGroup'>): Promise<boolean>
  /** The base64 of a statement file the user picked. */
  readStatement(file: File): Promise<string>
  /** What applying would do; rejects with the refusal applying would give. */
  onDescribeRotation(statementBase64: string): Promise<RotationPreview>
  onRotate(statementBase64: string): Promise<boolean>
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** A group of n keys of which k must sign each release: no single stolen key can publish. */
function AddGroupForm({ onAddGroup }: Pick<TrustGroupProps, 'onAddGroup'>) {
  const nameId = useId()
  const thresholdId = useId()
  const keysId = useId()
  const [name, setName] = useState('')
  const [threshold, setThreshold] = useState('2')
  const [keys, setKeys] = useState('')
  const lines = keys
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')

  async function submit(event: FormEvent) {
    event.preventDefault()
    const added = await onAddGroup({ name: name.trim(), threshold: Number(threshold), keys: lines })
    if (added) {
      setName('')
      setThreshold('2')
      setKeys('')
    }
  }

  return (
    <form className="form-grid" aria-label="Add a group" onSubmit={(event) => void submit(event)}>
      <label htmlFor={nameId}>Group name</label>
      <input
        id={nameId}
        type="text"
        required
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <label htmlFor={thresholdId}>Signatures required (k)</label>
      <input
        id={thresholdId}
        type="number"
        min={1}
        max={16}
        required
        value={threshold}
        onChange={(event) => setThreshold(event.target.value)}
      />
      <label htmlFor={keysId}>Keys, one per line</label>
      <textarea
        id={keysId}
        rows={4}
        required
        value={keys}
        placeholder="vouch-ed25519 …, ssh-ed25519 AAAA…, 64 hex digits, or a pinned key’s fingerprint"
        spellCheck={false}
        onChange={(event) => setKeys(event.target.value)}
      />
      <span />
      <div>
        <button type="submit" className="primary" disabled={name.trim() === '' || lines.length === 0}>
          Add group
        </button>
        {lines.length > 0 ? (
          <span className="subline">
            {' '}
            {threshold} of {lines.length} keys must sign each release
          </span>
        ) : null}
      </div>
    </form>
  )
}

/** Pick a statement file, see whose pin moves to which key, then confirm. */
function RotationFlow({ readStatement, onDescribeRotation, onRotate }: TrustGroupProps) {
  const fileId = useId()
  const titleId = useId()
  const [statement, setStatement] = useState<string | null>(null)
  const [preview, setPreview] = useState<RotationPreview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function pick(file: File | undefined) {
    setPreview(null)
    setError(null)
    if (!file) return
    try {
      const base64 = await readStatement(file)
      setStatement(base64)
      setPreview(await onDescribeRotation(base64))
    } catch (caught) {
      setError(message(caught))
    }
  }

  async function confirm() {
    if (!statement) return
    setBusy(true)
    const rotated = await onRotate(statement)
    setBusy(false)
    if (rotated) {
      setStatement(null)
      setPreview(null)
    }
  }

  return (
    <div className="rotation-flow">
      <div className="form-grid">
        <label htmlFor={fileId}>Rotation statement file</label>
        <input
          id={fileId}
          type="file"
          onChange={(event) => {
            void pick(event.target.files?.[0])
            event.target.value = ''
          }}
        />
      </div>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {preview ? (
        <div role="group" aria-labelledby={titleId} className="rotation-confirm">
          <p id={titleId}>
            <strong>Apply rotation?</strong> The pin <strong>{preview.name}</strong> moves from the old key to
            the new one. The old key stays listed; releases it signs from now on are refused.
          </p>
          <dl className="facts">
            <dt>Old key fingerprint</dt>
            <dd>
              <code className="fingerprint old-fingerprint">{preview.oldFingerprint}</code>
            </dd>
            <dt>New key fingerprint</dt>
            <dd>
              <code className="fingerprint new-fingerprint">{preview.newFingerprint}</code>
            </dd>
            <dt>Signed</dt>
            <dd>
              {new Date(preview.created).toLocaleString()} by {preview.signers.join(', ')}
            </dd>
          </dl>
          <div className="dialog-buttons">
            <button type="button" className="quiet" onClick={() => setPreview(null)}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
              Apply rotation
            </button>
          </div>
        </div>
      ) : null}
    </div>
  )
}

function GroupTable({ groups, publishers }: Pick<TrustGroupProps, 'groups' | 'publishers'>) {
  const nameOf = new Map(publishers.map((publisher) => [publisher.fingerprint, publisher.name]))
  if (groups.length === 0) return <p className="empty">No groups yet.</p>
  return (
    <div className="table-container">
      <table className="responsive">
        <caption className="visually-hidden">Publisher groups</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">Threshold</th>
            <th scope="col">Member fingerprints</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => (
            <tr key={group.name} data-group={group.name}>
              <th scope="row">{group.name}</th>
              <td data-label="Threshold">
                {group.threshold} of {group.members.length}
              </td>
              <td data-label="Member fingerprints">
                <ul className="plain-list">
                  {group.members.map((member) => (
                    <li key={member}>
                      <code className="fingerprint">{member}</code>
                      {nameOf.get(member) && nameOf.get(member) !== group.name
                        ? ` ${nameOf.get(member)}`
                        : ''}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Threshold groups (k of n) and key rotation, below the pinned keys on the Trust screen. */
export function TrustGroups(props: TrustGroupProps) {
  return (
    <>
      <section aria-labelledby="groups-title">
        <h3 id="groups-title">Publisher groups</h3>
        <p className="lead">
          A group needs k distinct keys of its n to sign each release, so no single stolen key can publish
          one.
        </p>
        <GroupTable groups={props.groups} publishers={props.publishers} />
        <AddGroupForm onAddGroup={props.onAddGroup} />
      </section>
      <section aria-labelledby="rotation-title">
        <h3 id="rotation-title">Key rotation</h3>
        <p className="lead">
          A publisher moving to a new key gives you a statement signed by the old key (or by a threshold of
          its group). Applying it moves the pin; the old key is kept, marked rotated.
        </p>
        <RotationFlow {...props} />
      </section>
    </>
  )
}
