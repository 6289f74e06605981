import { useEffect, useMemo, useRef } from 'react'

/** Decode a BitTorrent bitfield (most significant bit first) from base64 into one flag per piece. */
export function decodePieces(base64: string, count: number): boolean[] {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
  return Array.from({ length: count }, (_, index) => ((bytes[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0)
}

const CELL = 8
const GAP = 1

/**
 * The pieces map: one square per piece while they fit, else each square stands for a run of
 * pieces and its shade for the share of them verified. Colours come from the theme's variables.
 */
export function PiecesMap({ pieces, pieceCount }: { pieces: string; pieceCount: number }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const have = useMemo(() => decodePieces(pieces, pieceCount), [pieces, pieceCount])
  const verified = have.filter(Boolean).length

  useEffect(() => {
    const element = canvas.current
    const context = element?.getContext('2d')
    if (!element || !context) return
    const width = element.clientWidth
    const columns = Math.max(1, Math.floor((width + GAP) / (CELL + GAP)))
    const cells = Math.min(pieceCount, columns * 12)
    const perCell = Math.max(1, Math.ceil(pieceCount / Math.max(1, cells)))
    const used = Math.ceil(pieceCount / perCell)
    const rows = Math.ceil(used / columns)
    const ratio = window.devicePixelRatio || 1
    element.width = width * ratio
    element.height = rows * (CELL + GAP) * ratio
    element.style.height = `${rows * (CELL + GAP)}px`
    context.scale(ratio, ratio)
    const style = getComputedStyle(element)
    const empty = style.getPropertyValue('--pieces-empty').trim() || '#ddd'
    const full = style.getPropertyValue('--pieces-full').trim() || '#1a7f37'
    for (let cell = 0; cell < used; cell++) {
      const first = cell * perCell
      const last = Math.min(pieceCount, first + perCell)
      let count = 0
      for (let piece = first; piece < last; piece++) if (have[piece]) count++
      const x = (cell % columns) * (CELL + GAP)
      const y = Math.floor(cell / columns) * (CELL + GAP)
      context.globalAlpha = 1
      context.fillStyle = empty
      context.fillRect(x, y, CELL, CELL)
      if (count > 0) {
        context.globalAlpha = count / (last - first)
        context.fillStyle = full
        context.fillRect(x, y, CELL, CELL)
      }
    }
  }, [have, pieceCount])

  return (
    <figure className="pieces">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Pieces map: ${verified} of ${pieceCount} pieces verified`}
        data-verified={verified}
      />
      <figcaption className="subline">
        {verified} of {pieceCount} pieces verified
      </figcaption>
    </figure>
  )
}
