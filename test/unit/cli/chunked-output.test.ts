import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ChunkedOutput } from '../../../src/cli/chunked-output.ts'

/** A stream that takes its time: it reads each chunk only when it finishes writing it. */
function slowSink(): { sink: Writable; received: () => string; writes: () => number } {
  const parts: Buffer[] = []
  const sink = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      setImmediate(() => {
        parts.push(Buffer.from(chunk))
        done()
      })
    },
  })
  return { sink, received: () => Buffer.concat(parts).toString('utf8'), writes: () => parts.length }
}

/** Everything `texts` make, written as a listing writes them. */
async function writeAll(out: ChunkedOutput, texts: Iterable<string>): Promise<void> {
  for (const text of texts) {
    const sending = out.write(text)
    if (sending) await sending
  }
  await out.flush()
}

describe('ChunkedOutput', () => {
  it('delivers every byte in order to a slow stream, multi-byte characters across chunk boundaries', async () => {
    const { sink, received, writes } = slowSink()
    const texts = Array.from({ length: 20_000 }, (_, index) => `${index} µ比特🦀 ${'é'.repeat(index % 37)}\n`)
    await writeAll(new ChunkedOutput(sink), texts)
    // The buffer is reused: had a chunk been refilled before the stream was done with it, the
    // stream would have read later lines in place of earlier ones.
    expect(received()).toBe(texts.join(''))
    expect(writes()).toBeGreaterThan(10)
    expect(writes()).toBeLessThan(texts.length / 100)
  })

  it('sends a text larger than its buffer whole, after what came before', async () => {
    const { sink, received } = slowSink()
    const huge = `${'🦀'.repeat(50_000)}\n`
    await writeAll(new ChunkedOutput(sink), ['before\n', huge, 'after\n'])
    expect(received()).toBe(`before\n${huge}after\n`)
  })

  it('reports a failing stream as its error instead of throwing or hanging', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const out = new ChunkedOutput(broken)
    out.write('first line\n')
    await out.flush()
    expect(out.error?.code).toBe('EPIPE')
    // The stream's own 'error' event comes a tick later; it must not be an uncaught exception.
    await new Promise((resolve) => setImmediate(resolve))
    expect(broken.destroyed).toBe(true)
    await writeAll(out, ['more\n'])
    expect(out.error?.code).toBe('EPIPE')
  })
})
