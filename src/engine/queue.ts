/**
 * The download and seed queue, and the seed limits: pure decisions the engine applies on every
 * progress tick. A queued torrent is stopped like a paused one (no connections) but resumes by
 * itself when a slot frees; a torrent that reaches a seed limit is paused, as if by the user.
 */

export interface QueueLimits {
  /** null = no limit */
  maxActiveDownloads: number | null
  maxActiveSeeds: number | null
}

export interface SeedLimits {
  seedRatioLimit: number | null
  seedTimeLimitMinutes: number | null
}

export interface QueueEntry {
  infoHash: string
  addedAt: number
  done: boolean
  /** Paused by the user, held by the gate or failed: takes no slot and is never queued. */
  stopped: boolean
}

/** The torrents that must wait: past the limits, the most recently added wait first. */
export function queuedTorrents(entries: readonly QueueEntry[], limits: QueueLimits): Set<string> {
  const queued = new Set<string>()
  const byAge = [...entries].filter((entry) => !entry.stopped).sort((a, b) => a.addedAt - b.addedAt)
  for (const [done, limit] of [
    [false, limits.maxActiveDownloads],
    [true, limits.maxActiveSeeds],
  ] as const) {
    if (limit === null) continue
    byAge
      .filter((entry) => entry.done === done)
      .slice(limit)
      .forEach((entry) => queued.add(entry.infoHash))
  }
  return queued
}

/** Which seed limit a finished torrent has reached, if any. */
export function seedLimitReached(
  seed: { ratio: number; seedingSinceMs: number | null },
  limits: SeedLimits,
  now: number,
): 'ratio' | 'time' | null {
  if (limits.seedRatioLimit !== null && seed.ratio >= limits.seedRatioLimit) return 'ratio'
  if (
    limits.seedTimeLimitMinutes !== null &&
    seed.seedingSinceMs !== null &&
    now - seed.seedingSinceMs >= limits.seedTimeLimitMinutes * 60_000
  ) {
    return 'time'
  }
  return null
}
