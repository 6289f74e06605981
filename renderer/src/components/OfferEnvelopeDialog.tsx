import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import type { OfferResult, Refusal, TorrentView } from '../../../src/api/contract.ts'

interface Props {
  torrent: TorrentView
  onOffer(text: string): Promise<OfferResult | null>
  onClose(): void
}

/** A sidecar file is 256 KiB at most (src/provenance/carriers.ts). */
const MAX_SIDECAR_BYTES = 256 * 1024

/**
 * For a magnet the gate holds until a signature arrives: paste an envelope, a sidecar's text or a
 * signed magnet, or pick the sidecar file. The gate judges it; nothing is fetched until it accepts.
 */
export function OfferEnvelopeDialog({ torrent, onOffer, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const textId = useId()
  const fileId = useId()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<Refusal | null>(null)
  const [problem, setProblem] = useState<string | null>(null)

  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal()
    return () => element?.close()
  }, [])

  async function readFile(file: File | undefined) {
    if (!file) return
    if (file.size > MAX_SIDECAR_BYTES) {
      setProblem(`${file.name} is too large to be a sidecar file`)
      return
    }
    setProblem(null)
    setText(await file.text())
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (text.trim() === '') return
    setBusy(true)
    setRefusal(null)
    const result = await onOffer(text.trim())
    setBusy(false)
    if (result?.status === 'accepted') onClose()
    else if (result?.status === 'refused') setRefusal(result.refusal)
  }

  return (
    <dialog
      ref={dialog}
      className="offer"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={titleId}>Add a signature for {torrent.name}</h2>
      <p className="lead">
        This magnet carries no publisher signature, so nothing is downloaded until one you trust arrives.
        Paste the envelope, the sidecar file’s text or a signed magnet link, or pick the sidecar file.
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor={textId}>Envelope, sidecar text or signed magnet</label>
        <textarea
          id={textId}
          rows={4}
          value={text}
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
        />
        <label htmlFor={fileId}>Sidecar file (.vouch)</label>
        <input
          id={fileId}
          type="file"
          accept=".vouch,text/plain"
          onChange={(event) => void readFile(event.target.files?.[0])}
        />
        {problem ? <p className="negative">{problem}</p> : null}
        {refusal ? (
          <div className="offer-refused" role="alert">
            <p className="negative">Refused ({refusal.code})</p>
            <p>{refusal.reason}</p>
          </div>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" className="quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
            Check signature
          </button>
        </div>
      </form>
    </dialog>
  )
}
