/**
 * What a follower makes of one lookup: pure, over the answers and the feed's high-water mark
 * (docs/formats.md, "Feeds", follower rules). Side effects (audit, starting a release, writing
 * feeds.json) are the Follower's.
 */
import { createHash } from 'node:crypto'
import { sameBytes } from '../provenance/keys.ts'
import { itemProblem, type ItemProblem, type MutableItem } from './bep44.ts'
import type { DhtAnswer } from './dht.ts'
import type { FeedAddress } from './feed-magnet.ts'

export interface IgnoredAnswer {
  from: string
  problem: ItemProblem
  seq: number
}

export interface RolledBackAnswer {
  from: string
  seq: number
  /** SHA-256 of the value, hex: what was offered in place of the accepted item. */
  valueSha256: string
}

export interface LookupJudgement {
  ignored: IgnoredAnswer[]
  rolledBack: RolledBackAnswer[]
  /** The valid item with the highest seq, when it is newer than the accepted one. */
  newer: MutableItem | null
  /** Some node returned the accepted item itself (it is alive in the DHT). */
  currentSeen: boolean
}

export function valueSha256(value: Uint8Array): string {
  return createHash('sha256').update(value).digest('hex')
}

export function judgeAnswers(
  answers: readonly DhtAnswer[],
  feed: FeedAddress,
  accepted: { seq: number; value: Uint8Array } | null,
): LookupJudgement {
  const judgement: LookupJudgement = { ignored: [], rolledBack: [], newer: null, currentSeen: false }
  for (const answer of answers) {
    const problem = itemProblem(answer.item, feed, answer.answeredSalt)
    if (problem) {
      judgement.ignored.push({ from: answer.from, problem, seq: answer.item.seq })
      continue
    }
    const item = answer.item
    if (accepted && item.seq <= accepted.seq) {
      if (item.seq === accepted.seq && sameBytes(item.value, accepted.value)) judgement.currentSeen = true
      else
        judgement.rolledBack.push({ from: answer.from, seq: item.seq, valueSha256: valueSha256(item.value) })
      continue
    }
    if (!judgement.newer || item.seq > judgement.newer.seq) judgement.newer = item
    else if (item.seq === judgement.newer.seq && !sameBytes(item.value, judgement.newer.value))
      // Two values signed for one seq: the publisher's key signed both, so neither can be
      // preferred on its merits; the first seen is kept and the other reported.
      judgement.rolledBack.push({ from: answer.from, seq: item.seq, valueSha256: valueSha256(item.value) })
  }
  return judgement
}

/** BEP 44: items may expire 2 hours after their last put. */
export const ITEM_LIFETIME_MS = 2 * 60 * 60 * 1000

/** Stale (TUF's freeze attack): the declared validity passed, or the item left the DHT. */
export function isStale(
  feed: { expires: number | null; lastSeenAt: string | null; item: unknown },
  now: number,
): boolean {
  if (!feed.item) return false
  if (feed.expires !== null && now >= feed.expires * 1000) return true
  return feed.lastSeenAt === null || now - Date.parse(feed.lastSeenAt) > ITEM_LIFETIME_MS
}
