import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import type { Refusal } from '../../../src/api/contract.ts'
import { canDownloadAnyway, refusalSentence } from '../refusal-text.ts'

interface Props {
  refusal: Refusal
  onClose(): void
  /**
   * Pin the refusal's publisher under `name`, then add the torrent again. Absent when this engine
   * has no trust store; the dialog then explains the refusal without offering to pin.
   */
  onPin?: (name: string) => Promise<boolean>
  /**
   * Add it again with `allowUnsigned` (audited as an override, like the CLI's --allow-unsigned).
   * Absent when there is no add to repeat; never offered where canDownloadAnyway says no.
   */
  onDownloadAnyway?: () => Promise<void>
}

/** Shown when the provenance policy refuses a torrent: why, whose key, and a deliberate way to pin it. */
export function RefusalDialog({ refusal, onClose, onPin, onDownloadAnyway }: Props) {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const nameId = useId()
  const confirmId = useId()
  const overrideId = useId()
  const [pinning, setPinning] = useState(false)
  const [overriding, setOverriding] = useState(false)
  const [name, setName] = useState(refusal.publisher?.name ?? '')
  const [confirmed, setConfirmed] = useState(false)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal()
    return () => element?.close()
  }, [])

  async function pin(event: FormEvent) {
    event.preventDefault()
    if (!onPin || !confirmed || name.trim() === '') return
    setBusy(true)
    const pinned = await onPin(name.trim())
    setBusy(false)
    if (pinned) onClose()
  }

  // Pinning answers only an unknown (or lapsed) key: a key that signed other metadata, was revoked
  // or is out of scope is known already, and pinning it again would change nothing or undo a revocation.
  const canPin =
    onPin !== undefined &&
    refusal.publisher !== null &&
    (refusal.code === 'unknown-publisher' || refusal.code === 'key-expired')
  const canOverride = onDownloadAnyway !== undefined && canDownloadAnyway(refusal.code)
  return (
    <dialog
      ref={dialog}
      className="refusal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={titleId}>
        Refused: {refusal.source.length > 80 ? `${refusal.source.slice(0, 77)}…` : refusal.source}
      </h2>
      <p className="reason">
        <strong>{refusalSentence(refusal)}</strong>
      </p>
      <details className="technical">
        <summary>Technical details</summary>
        <p>{refusal.reason}</p>
      </details>
      <dl className="facts">
        <dt>Reason code</dt>
        <dd>
          <code>{refusal.code}</code>
        </dd>
        {refusal.infoHash ? (
          <>
            <dt>Infohash</dt>
            <dd>
              <code>{refusal.infoHash}</code>
            </dd>
          </>
        ) : null}
        {refusal.publisher ? (
          <>
            {refusal.publisher.name ? (
              <>
                <dt>Publisher</dt>
                <dd>{refusal.publisher.name}</dd>
              </>
            ) : null}
            <dt>Publisher key fingerprint</dt>
            <dd>
              <code className="fingerprint">{refusal.publisher.fingerprint}</code>
            </dd>
            <dt>Full public key</dt>
            <dd>
              <code className="public-key">{refusal.publisher.publicKey}</code>
            </dd>
          </>
        ) : null}
      </dl>
      <p className="nothing-fetched">Nothing was downloaded and no file was created.</p>
      {pinning && canPin ? (
        <form className="pin-flow" onSubmit={(event) => void pin(event)}>
          <p>
            Pin this key only if you have checked its fingerprint with the publisher through a channel you
            trust — their website, a signed announcement, in person — and not from this torrent.
          </p>
          <label htmlFor={nameId}>Name for this publisher</label>
          <input
            id={nameId}
            type="text"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
          <div className="checkbox">
            <input
              id={confirmId}
              type="checkbox"
              checked={confirmed}
              onChange={(event) => setConfirmed(event.target.checked)}
            />
            <label htmlFor={confirmId}>
              I checked that <code>{refusal.publisher?.fingerprint}</code> belongs to this publisher
            </label>
          </div>
          <div className="dialog-buttons">
            <button type="button" className="quiet" onClick={() => setPinning(false)}>
              Back
            </button>
            <button type="submit" className="primary" disabled={busy || !confirmed || name.trim() === ''}>
              Pin and add again
            </button>
          </div>
        </form>
      ) : overriding && canOverride ? (
        <div className="override-flow" role="group" aria-labelledby={overrideId}>
          <p id={overrideId}>
            <strong>Download anyway</strong> means Vouch fetches and writes this torrent without knowing who
            made it: nobody you trust vouches for its contents, which may be altered or harmful. Peers that
            send corrupt pieces are still banned. Your choice is recorded in the audit log, and it applies to
            this torrent only.
          </p>
          <div className="dialog-buttons">
            <button type="button" autoFocus onClick={() => setOverriding(false)}>
              Back
            </button>
            <button
              type="button"
              className="primary danger-fill"
              disabled={busy}
              onClick={() => {
                setBusy(true)
                void onDownloadAnyway?.().finally(() => setBusy(false))
              }}
            >
              Download without a signature
            </button>
          </div>
        </div>
      ) : (
        <div className="dialog-buttons">
          {canOverride ? (
            <button type="button" onClick={() => setOverriding(true)}>
              Download anyway…
            </button>
          ) : null}
          {canPin ? (
            <button type="button" onClick={() => setPinning(true)}>
              Pin this publisher…
            </button>
          ) : null}
          <button type="button" className="primary" autoFocus onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </dialog>
  )
}
