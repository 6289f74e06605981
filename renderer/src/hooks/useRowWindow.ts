// Windowed rendering for long tables: only the rows near the scrolled view are in the DOM, and a
// spacer row above and below them stands for the others (their count times the measured row
// height), so the scrollbar keeps the length and position of the whole list. Short lists are
// rendered whole, as before.
import { useCallback, useEffect, useLayoutEffect, useState, type RefObject } from 'react'

/** Lists of at most this many rows are rendered whole (find-in-page and Tab reach every row). */
export const WINDOW_FROM = 150
/** Rows rendered beyond each edge of the view, so a scroll shows rendered rows before the next frame. */
const OVERSCAN = 20
/** Rows rendered before the first measurement. */
const FIRST_ROWS = 50
/** A row's height before one is measured (the wide table's row is about this high). */
const FALLBACK_ROW_PX = 64

export interface RowWindow {
  /** Whether only part of the rows is rendered. */
  windowed: boolean
  /** The rows [start, end) are rendered. */
  start: number
  end: number
  /** The heights the spacer rows stand for, above and below the rendered rows. */
  beforePx: number
  afterPx: number
}

interface Range {
  start: number
  end: number
  rowPx: number
}

/** The nearest ancestor that scrolls vertically (the app's <main>), else null: the window scrolls. */
function scrollParentOf(element: HTMLElement): HTMLElement | null {
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    const overflowY = getComputedStyle(parent).overflowY
    if (overflowY === 'auto' || overflowY === 'scroll') return parent
  }
  return null
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value))

/** The average height of the rendered rows (spacers aside), or `fallback` when none shows. */
function measuredRowPx(body: HTMLTableSectionElement, fallback: number): number {
  const rows = body.querySelectorAll<HTMLElement>(':scope > tr:not(.spacer)')
  const first = rows[0]
  const last = rows[rows.length - 1]
  if (!first || !last) return fallback
  const height = (last.getBoundingClientRect().bottom - first.getBoundingClientRect().top) / rows.length
  // A hidden list (the details pane in its place on a narrow window) measures 0.
  return height > 1 ? height : fallback
}

/** Which of `count` rows of the table body `body` to render, following its scroll container. */
export function useRowWindow(count: number, body: RefObject<HTMLTableSectionElement | null>): RowWindow {
  const windowed = count > WINDOW_FROM
  const [range, setRange] = useState<Range>({ start: 0, end: FIRST_ROWS, rowPx: FALLBACK_ROW_PX })

  const update = useCallback(() => {
    const tbody = body.current
    if (!tbody || !windowed) return
    setRange((previous) => {
      const rowPx = measuredRowPx(tbody, previous.rowPx)
      const parent = scrollParentOf(tbody)
      const viewTop = parent ? parent.getBoundingClientRect().top : 0
      const viewHeight = parent ? parent.clientHeight : window.innerHeight
      // How far the view's top is below the body's top (negative while the body starts below it).
      const offset = viewTop - tbody.getBoundingClientRect().top
      const start = clamp(Math.floor(offset / rowPx) - OVERSCAN, 0, count)
      const end = clamp(Math.ceil((offset + viewHeight) / rowPx) + OVERSCAN, start, count)
      const same = previous.start === start && previous.end === end && Math.abs(previous.rowPx - rowPx) < 0.5
      return same ? previous : { start, end, rowPx }
    })
  }, [body, count, windowed])

  // Before the first paint, and whenever the count changes (a search, a filter, a torrent added).
  useLayoutEffect(update, [update])

  useEffect(() => {
    const tbody = body.current
    if (!tbody || !windowed) return
    const target: HTMLElement | Window = scrollParentOf(tbody) ?? window
    let frame = 0
    const schedule = () => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0
          update()
        })
    }
    target.addEventListener('scroll', schedule, { passive: true })
    window.addEventListener('resize', schedule)
    // Rows change height when the list's width does without a window resize (the details pane
    // opening beside it). Only the width: its height changes with every new range, and following
    // that would chase the average row height of each range in turn.
    let width = tbody.getBoundingClientRect().width
    const resized = new ResizeObserver(() => {
      const now = tbody.getBoundingClientRect().width
      if (Math.abs(now - width) < 1) return
      width = now
      schedule()
    })
    resized.observe(tbody)
    return () => {
      target.removeEventListener('scroll', schedule)
      window.removeEventListener('resize', schedule)
      resized.disconnect()
      cancelAnimationFrame(frame)
    }
  }, [body, windowed, update])

  if (!windowed) return { windowed, start: 0, end: count, beforePx: 0, afterPx: 0 }
  const start = Math.min(range.start, count)
  const end = clamp(range.end, start, count)
  return {
    windowed,
    start,
    end,
    beforePx: start * range.rowPx,
    afterPx: (count - end) * range.rowPx,
  }
}
