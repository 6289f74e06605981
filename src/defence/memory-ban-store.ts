import { addressKey, addressOrdinal } from './address.ts'
import type { Ban, BanStore } from './ban-store.ts'

/**
 * The in-process BanStore: used when no persistent store is attached (tests, `vouch get` without a
 * reputation store). Keys are address keys (see address.ts); ranges compare by ordinal.
 */
export class MemoryBanStore implements BanStore {
  readonly #bans: Ban[] = []
  /** Every ban ever added per key, expired and lifted ones included, for escalation. */
  readonly #history = new Map<string, number>()

  banFor(address: string, now = Date.now()): Ban | undefined {
    const key = addressKey(address)
    let ordinal: bigint | null | undefined
    for (const ban of this.#bans) {
      if (!isActive(ban, now)) continue
      if (ban.rangeEnd === null) {
        if (ban.address === key) return ban
        continue
      }
      ordinal ??= addressOrdinal(address)
      const start = addressOrdinal(ban.address)
      const end = addressOrdinal(ban.rangeEnd)
      if (ordinal !== null && start !== null && end !== null && ordinal >= start && ordinal <= end) return ban
    }
    return undefined
  }

  add(ban: Ban): void {
    // Expired bans only matter for escalation, which #history keeps; drop them so memory stays bounded.
    for (let i = this.#bans.length - 1; i >= 0; i--) {
      const old = this.#bans[i]
      if (old && !isActive(old, ban.createdAt)) this.#bans.splice(i, 1)
    }
    const stored = { ...ban, address: ban.rangeEnd === null ? addressKey(ban.address) : ban.address }
    this.#bans.push(stored)
    this.#history.set(stored.address, (this.#history.get(stored.address) ?? 0) + 1)
  }

  lift(address: string): number {
    const key = addressKey(address)
    let lifted = 0
    for (let i = this.#bans.length - 1; i >= 0; i--) {
      const ban = this.#bans[i]
      if (ban && (ban.address === key || ban.address === address)) {
        this.#bans.splice(i, 1)
        lifted++
      }
    }
    return lifted
  }

  list(now = Date.now()): Ban[] {
    return this.#bans.filter((ban) => isActive(ban, now))
  }

  priorBans(address: string): number {
    return this.#history.get(addressKey(address)) ?? 0
  }
}

function isActive(ban: Ban, now: number): boolean {
  return ban.expiresAt === null || ban.expiresAt > now
}
