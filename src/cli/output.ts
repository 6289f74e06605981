/**
 * Small helpers for what commands print, loading nothing: listings (`peers`, `bans export`) use
 * them without pulling in the progress bar's dependencies.
 */

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/**
 * Write `text` to `out`, waiting for 'drain' when its buffer is full, so a listing of a million
 * rows holds a few of them in memory, not all (a reader that stops, e.g. `head`, ends the wait).
 */
export async function writeWithBackpressure(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (out.write(text)) return
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done)
      out.off('close', done)
      out.off('error', done)
      resolve()
    }
    out.once('drain', done)
    out.once('close', done)
    out.once('error', done)
  })
}
