/**
 * A peer's score: credit for verified pieces, heavy debits for failed pieces and strikes, and
 * exponential decay toward zero so old behaviour fades (a peer that poisoned a month ago and has
 * behaved since is not judged forever; neither is a peer that was good long ago).
 */

export const SCORE_PER_GOOD_PIECE = 1
export const SCORE_PER_BAD_PIECE = -20
export const SCORE_PER_STRIKE = -10
/** Half of a score is left after this long. */
export const SCORE_HALF_LIFE_MS = 7 * 24 * 60 * 60 * 1000

export function decayedScore(
  score: number,
  since: number,
  now: number,
  halfLifeMs = SCORE_HALF_LIFE_MS,
): number {
  if (now <= since) return score
  return score * 2 ** (-(now - since) / halfLifeMs)
}

export function scoreDelta(change: { piecesGood?: number; piecesBad?: number; strikes?: number }): number {
  return (
    (change.piecesGood ?? 0) * SCORE_PER_GOOD_PIECE +
    (change.piecesBad ?? 0) * SCORE_PER_BAD_PIECE +
    (change.strikes ?? 0) * SCORE_PER_STRIKE
  )
}
