import { useEffect } from 'react'
import type { Dispatch } from '../actions.ts'
import type { Notice } from '../state.ts'

/** How long each level stays before it goes away by itself; errors stay longest. */
export const NOTICE_MS: Record<Notice['level'], number> = { info: 5000, warning: 9000, error: 15_000 }

function NoticeItem({ notice, dispatch }: { notice: Notice; dispatch: Dispatch }) {
  useEffect(() => {
    const timer = setTimeout(
      () => dispatch({ type: 'dismiss-notice', id: notice.id }),
      NOTICE_MS[notice.level],
    )
    return () => clearTimeout(timer)
  }, [notice.id, notice.level, dispatch])
  return (
    <div className={`notice notice-${notice.level}`}>
      <span>{notice.message}</span>
      <button
        type="button"
        className="quiet"
        aria-label="Dismiss notification"
        onClick={() => dispatch({ type: 'dismiss-notice', id: notice.id })}
      >
        ×
      </button>
    </div>
  )
}

/**
 * Notifications live in their own band at the bottom of the window (a grid row of .app, not an
 * overlay), so they never cover a control; each dismisses itself after a while.
 */
export function Notices({ notices, dispatch }: { notices: Notice[]; dispatch: Dispatch }) {
  return (
    <div className="notices" role="log" aria-live="polite" aria-label="Notifications">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} dispatch={dispatch} />
      ))}
    </div>
  )
}
