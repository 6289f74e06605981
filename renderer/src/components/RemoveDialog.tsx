import { useEffect, useId, useRef, useState } from 'react'
import type { TorrentView } from '../../../src/api/contract.ts'

interface Props {
  torrent: TorrentView
  onRemove(deleteData: boolean): Promise<void>
  onClose(): void
}

/**
 * Removing asks first. Focus starts on Cancel, so the key press that opened the dialog (a Space or
 * Enter on a focused Remove, or a repeat of it) cannot also confirm it.
 */
export function RemoveDialog({ torrent, onRemove, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)
  const titleId = useId()
  const deleteId = useId()
  const [deleteData, setDeleteData] = useState(false)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal()
    // After showModal, which would focus the first control (the checkbox).
    cancel.current?.focus()
    return () => element?.close()
  }, [])

  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={titleId}>Remove {torrent.name}?</h2>
      <p>
        Vouch stops downloading and seeding it and forgets it.{' '}
        {deleteData
          ? 'The downloaded files are deleted from disk too.'
          : 'The downloaded files stay where they are.'}
      </p>
      <div className="checkbox">
        <input
          id={deleteId}
          type="checkbox"
          checked={deleteData}
          onChange={(event) => setDeleteData(event.target.checked)}
        />
        <label htmlFor={deleteId}>Also delete the downloaded data</label>
      </div>
      <div className="dialog-buttons">
        <button type="button" ref={cancel} onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary danger-fill"
          disabled={busy}
          onClick={() => {
            setBusy(true)
            void onRemove(deleteData).finally(onClose)
          }}
        >
          {deleteData ? 'Remove and delete data' : 'Remove'}
        </button>
      </div>
    </dialog>
  )
}
