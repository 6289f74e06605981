/**
 * Every wait of the engine on something it does not control is bounded: closing the NAT mappings,
 * an earlier add of the same torrent, the writes under way before a removal deletes their files.
 * One way to do it: race the thing with a timer that is cleared as soon as either side wins.
 */

/** Wait for `promise` (its value or error ignored) at most `ms`: whether it settled in time. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<'settled' | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), ms)
  })
  const settled = promise.then(
    () => 'settled' as const,
    () => 'settled' as const,
  )
  try {
    return await Promise.race([settled, timedOut])
  } finally {
    clearTimeout(timer)
  }
}
