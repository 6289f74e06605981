/**
 * Text written to a stream through one reused buffer: each piece is encoded into it as it is made,
 * and the buffer goes out when full. A listing of a million rows then keeps no row's text alive
 * past its row. That is what bounds its memory: V8 grows its young generation by what survives
 * each collection, and a batch of 256 line strings waiting to be joined survived every one (at
 * 200k rows the young generation had grown from 1 to 8 MiB a semi-space and was still growing;
 * encoded as they come, 1.4 KB survives a collection and it stays at 2 MiB).
 */
import { VouchError } from '../errors.ts'

const CHUNK_BYTES = 64 * 1024

/** A UTF-16 code unit is at most 3 bytes of UTF-8. */
const MAX_BYTES_PER_UNIT = 3

export class ChunkedOutput {
  readonly #out: NodeJS.WritableStream
  readonly #chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  #used = 0
  #error: NodeJS.ErrnoException | undefined

  constructor(out: NodeJS.WritableStream) {
    this.#out = out
    // Stays attached: a failed write reports its error a tick after the write's callback (EPIPE
    // once `| head` has gone), and an 'error' nobody listens to would crash the process.
    out.on('error', (error: NodeJS.ErrnoException) => (this.#error ??= error))
  }

  /** The stream's first error, if it had one (the reader went away: EPIPE). */
  get error(): NodeJS.ErrnoException | undefined {
    return this.#error
  }

  /**
   * Encode `text` into the chunk. When it does not fit, the chunk goes out first and the answer is
   * a promise: wait for it before the next write or flush (nothing to wait for is the usual case).
   */
  write(text: string): Promise<void> | undefined {
    if (this.#used + text.length * MAX_BYTES_PER_UNIT > CHUNK_BYTES) return this.#writeAfterFlush(text)
    this.#used += this.#chunk.write(text, this.#used)
    return undefined
  }

  /** Send what the chunk holds; resolves once the stream has taken it (or is closed). */
  async flush(): Promise<void> {
    if (this.#used === 0) return
    const used = this.#used
    this.#used = 0
    await this.#send(this.#chunk.subarray(0, used))
  }

  /**
   * Send the rest and say how it went: a reader that went away (EPIPE: `| head`) only ended the
   * output early; any other failure (stdout on a full disk) is an error naming `what` it was.
   */
  async end(what: string): Promise<void> {
    if (!this.#error) await this.flush()
    if (this.#error && this.#error.code !== 'EPIPE')
      throw new VouchError('internal', `could not write ${what}: ${this.#error.message}`)
  }

  async #writeAfterFlush(text: string): Promise<void> {
    await this.flush()
    if (text.length * MAX_BYTES_PER_UNIT > CHUNK_BYTES) await this.#send(Buffer.from(text))
    else this.#used += this.#chunk.write(text, this.#used)
  }

  /**
   * The chunk is reused, so this waits for the write's callback, not just for room in the stream's
   * buffer. A failed write calls it too, with the error (the caller sees `error` and stops).
   */
  #send(bytes: Buffer): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#out.write(bytes, (error?: Error | null) => {
        if (error) this.#error ??= error
        resolve()
      })
    })
  }
}
