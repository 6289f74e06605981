import { useEffect, useId, useRef } from 'react'
import { SHORTCUTS } from '../hooks/useShortcuts.ts'

/** The `?` overlay: every shortcut, closed by Esc or its button. */
export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const close = useRef<HTMLButtonElement>(null)
  const titleId = useId()
  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal()
    close.current?.focus()
    return () => element?.close()
  }, [])
  return (
    <dialog
      ref={dialog}
      className="shortcuts"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={titleId}>Keyboard shortcuts</h2>
      <dl className="facts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.keys} className="shortcut">
            <dt>
              <kbd>{shortcut.keys}</kbd>
            </dt>
            <dd>{shortcut.does}</dd>
          </div>
        ))}
      </dl>
      <div className="dialog-buttons">
        <button type="button" ref={close} onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  )
}
