/**
 * A recorded block as the ledger holds it, and its digest taken lazily: the block's bytes are
 * referenced (not copied) until the ledger needs its digest (ledger.ts says when), then hashed and
 * released. Apart from ledger.ts so that the byte accounting under `maxBufferedBytes` lives in one
 * place, beside the attribution rules rather than among them.
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { BlockSender } from './ledger.ts'

/** A recorded block: its bytes until they are hashed, then its digest. */
export interface HeldBlock {
  sender: BlockSender
  offset: number
  length: number
  digest: string | null
  data: Uint8Array | null
  receivedAt: number | null
}

/** The bytes held unhashed across every held block, and the one way to hash them. */
export class LazyDigests {
  #bufferedBytes = 0

  /** Bytes of received blocks held unhashed. */
  get bufferedBytes(): number {
    return this.#bufferedBytes
  }

  /** A block was recorded with its bytes: they count as held until hashed. */
  hold(block: HeldBlock): void {
    if (block.data) this.#bufferedBytes += block.data.byteLength
  }

  /** A block is forgotten unhashed: its bytes are no longer held. */
  release(block: HeldBlock): void {
    if (block.data) this.#bufferedBytes -= block.data.byteLength
  }

  /** The block's digest, hashing (and releasing) its bytes the first time. */
  hash(block: HeldBlock): string {
    if (block.digest !== null) return block.digest
    const data = block.data ?? new Uint8Array(0)
    block.digest = blockDigest(data)
    block.data = null
    this.#bufferedBytes -= data.byteLength
    return block.digest
  }

  /** Whether two copies of one block are alike: bytes compared while both are held, else digests. */
  same(a: HeldBlock, b: HeldBlock): boolean {
    if (a.length !== b.length) return false
    if (a.data && b.data) return Buffer.compare(a.data, b.data) === 0
    return this.hash(a) === this.hash(b)
  }
}

/**
 * The digest the ledger keeps of a block (hex SHA-256). Whoever judges recorded blocks against the
 * verified piece, or reports a block as evidence, digests with this.
 */
export function blockDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Offsets strictly ascending, so no block arrived twice (the usual case; saves a map per piece). */
export function ascending(blocks: readonly HeldBlock[]): boolean {
  let previous = -1
  for (const block of blocks) {
    if (block.offset <= previous) return false
    previous = block.offset
  }
  return true
}
