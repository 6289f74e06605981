import { useEffect, useState, type Dispatch, type SetStateAction } from 'react'

/**
 * The latest answer of `load`, called at once and then every `intervalMs` while the component is
 * mounted and `enabled`; a failed call keeps the previous answer (the next poll may succeed). The
 * setter lets a screen show a change at once, before the next answer replaces it. Polling starts
 * over when anything in `deps` changes (what `load` uses: the API, the torrent shown).
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
  enabled = true,
): [T | null, Dispatch<SetStateAction<T | null>>] {
  const [value, setValue] = useState<T | null>(null)
  useEffect(() => {
    if (!enabled) return
    let live = true
    const poll = () =>
      load().then(
        (next) => live && setValue(next),
        () => undefined,
      )
    void poll()
    const timer = setInterval(() => void poll(), intervalMs)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [...deps, enabled, intervalMs])
  return [value, setValue]
}
