/**
 * What the block ledger's judgements return: a failed piece's verdict (its contributors, and the
 * sole sender when one address sent the whole generation) and a verified piece's (the culprits
 * whose blocks differed, the suspects cleared, the credit earned). The rules that make them sound
 * are in ledger.ts, beside the code that applies them; these are only their shapes, kept apart
 * so the ledger's file holds the bookkeeping and the rules.
 */
import type { BlockSender } from './ledger.ts'

export interface FailureVerdict {
  piece: number
  /** Distinct address keys that sent blocks in the failed generation. */
  contributors: string[]
  /** Set when a single address sent every block of the failed generation: proof on its own. */
  sole: {
    sender: BlockSender
    offset: number
    digest: string
    bytes: number
    /**
     * When the generation's first block arrived: which block was false is unknown, so the earliest
     * one bounds when the bad data first came in.
     */
    firstReceivedAt: number | null
  } | null
}

export interface Culprit {
  sender: BlockSender
  offset: number
  length: number
  badDigest: string
  goodDigest: string
  /** When this culprit's first differing block arrived (blocks are judged in arrival order). */
  receivedAt: number | null
}

export interface VerificationVerdict {
  piece: number
  /** Every address that sent a block differing from the verified piece, with its first such block. */
  culprits: Culprit[]
  /** Earlier suspects (of failed generations) whose every block matched: they are cleared. */
  cleared: string[]
  /** Bytes each address contributed to the verified generation with the true digest. */
  credit: Map<string, number>
  /** Bytes each culprit sent that differed from the verified piece (all generations). */
  badBytes: Map<string, number>
}
