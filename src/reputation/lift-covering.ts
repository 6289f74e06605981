import type { Ban } from '../defence/ban-store.ts'
import { banSubject } from './batch-writer.ts'

/** Bans one `bans lift` may lift through covering ranges (nested ranges are rare; this bounds it). */
const MAX_COVERING_LIFTED = 64

export interface CoveringLift {
  /** How many bans were lifted. */
  lifted: number
  /** Ranges lifted because they covered the address (not filed under it). */
  ranges: Ban[]
}

/**
 * Lift the bans on `address`; when none is filed under it but ranges cover it (an imported
 * `127.0.0.0/8`, say), lift those ranges, so `bans lift 127.0.0.1` does what the user means.
 * `lift` lifts what is filed under the address (the defence's, which also forgets its session
 * bans, or the store's); `store` lifts a range by its first address and finds covering bans.
 */
export function liftCovering(
  address: string,
  lift: (address: string) => number,
  store: { lift(address: string): number; banFor(address: string): Ban | undefined },
): CoveringLift {
  let lifted = lift(address)
  const ranges: Ban[] = []
  if (lifted > 0) return { lifted, ranges }
  const banFor = (text: string) => store.banFor(text)
  for (let cover = banFor(address); cover && ranges.length < MAX_COVERING_LIFTED; cover = banFor(address)) {
    const count = store.lift(cover.address)
    if (count === 0) break
    lifted += count
    ranges.push(cover)
  }
  return { lifted, ranges }
}

/** `127.0.0.0-127.255.255.255 (imported: level1)` — names a ban for messages. */
export function describeCover(ban: Ban): string {
  return `${banSubject(ban)} (${ban.source}${ban.note ? `: ${ban.note}` : ''})`
}
