// Keyboard shortcuts for the whole window. They stay out of the way while the user types in a
// field or a dialog is open, and never use a modifier the browser or OS already owns.
import { useEffect, useRef } from 'react'

export interface ShortcutHandlers {
  /** o: pick a .torrent file. */
  open(): void
  /** m: focus the magnet field. */
  magnet(): void
  /** /: focus the search field. */
  search(): void
  /** Delete: remove the selected torrent (asks first). */
  remove(): void
  /** ?: list the shortcuts. */
  help(): void
  /** A magnet link or infohash pasted anywhere outside a field. */
  paste(text: string): void
}

export const SHORTCUTS: { keys: string; does: string }[] = [
  { keys: 'o', does: 'Open a .torrent file' },
  { keys: 'm', does: 'Type or paste a magnet link' },
  { keys: 'Ctrl+V / ⌘V', does: 'Add the magnet link or infohash on the clipboard (outside a field)' },
  { keys: '/', does: 'Search torrents by name' },
  { keys: 'Delete', does: 'Remove the selected torrent (asks first)' },
  { keys: '?', does: 'Show these shortcuts' },
  { keys: 'Esc', does: 'Close a dialog or this list' },
]

const MAGNET = /^(magnet:\?\S+|[0-9a-f]{40}|[a-z2-7]{32})$/i

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

const dialogOpen = () => document.querySelector('dialog[open]') !== null

export function useShortcuts(handlers: ShortcutHandlers): void {
  // The latest handlers, without re-subscribing on every render.
  const current = useRef(handlers)
  useEffect(() => {
    current.current = handlers
  })

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return
      if (typingIn(event.target) || dialogOpen()) return
      const action = (
        {
          o: 'open',
          m: 'magnet',
          '/': 'search',
          Delete: 'remove',
          '?': 'help',
        } as const
      )[event.key]
      if (!action) return
      event.preventDefault()
      current.current[action]()
    }
    function onPaste(event: ClipboardEvent) {
      if (typingIn(event.target) || dialogOpen()) return
      const text = event.clipboardData?.getData('text/plain').trim() ?? ''
      if (!MAGNET.test(text)) return
      event.preventDefault()
      current.current.paste(text)
    }
    document.addEventListener('keydown', onKey)
    document.addEventListener('paste', onPaste)
    return () => {
      document.removeEventListener('keydown', onKey)
      document.removeEventListener('paste', onPaste)
    }
  }, [])
}
