/** Waiting for a condition by polling it, bounded. */
import { withTimeout } from './swarm.ts'

/** Resolve with the first truthy `probe()` (tried every 250 ms); reject after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  let stopped = false
  try {
    return await withTimeout(
      (async () => {
        while (!stopped) {
          const value = await probe()
          if (value) return value
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
        throw new Error(`stopped waiting for ${what}`)
      })(),
      timeoutMs,
      what,
    )
  } finally {
    stopped = true
  }
}
