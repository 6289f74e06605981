import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generateKey, secretKeyFromSeed } from '../../../src/provenance/keys.ts'
import { GENESIS_HASH, type AuditRow } from '../../../src/reputation/audit-chain.ts'
import {
  matchCheckpoint,
  noteKeyId,
  readCheckpoint,
  signCheckpoint,
} from '../../../src/reputation/audit-checkpoint.ts'
import { auditHash, verifyAuditRows } from '../../../src/reputation/audit-chain.ts'

const SEED_A = Uint8Array.from({ length: 32 }, (_, i) => i)
const HEAD_A2 = '915be7764e296276d0256a89228aa490a3c6abf9b6a760a92d093942af788b3c'

/** The fenced block that follows the line starting with `id,` in docs/formats.md's "Audit checkpoints". */
async function documentedVector(id: string): Promise<string> {
  const docs = await readFile(new URL('../../../docs/formats.md', import.meta.url), 'utf8')
  const section = docs.slice(docs.indexOf('## Audit checkpoints'))
  const start = section.indexOf('```\n', section.indexOf(`\n${id}, `)) + 4
  return section.slice(start, section.indexOf('```', start))
}

describe('audit checkpoints (docs/formats.md, "Audit checkpoints")', () => {
  const key = secretKeyFromSeed(SEED_A)

  it('C1 and C2: signing gives the documented bytes, and they read back', async () => {
    const vectors = [
      { id: 'C1', checkpoint: { size: 2, headHash: HEAD_A2 } },
      { id: 'C2', checkpoint: { size: 0, headHash: GENESIS_HASH } },
    ]
    for (const { id, checkpoint } of vectors) {
      const documented = await documentedVector(id)
      expect(signCheckpoint(checkpoint, key), id).toBe(documented)
      expect(readCheckpoint(documented, key), id).toEqual({ ok: true, checkpoint, keyName: key.fingerprint })
    }
    expect(Buffer.from(noteKeyId(key.fingerprint, key.publicKey)).toString('hex')).toBe('5191e58a')
  })

  it('refuses another key, a changed size or hash, and malformed text', async () => {
    const text = await documentedVector('C1')
    expect(readCheckpoint(text, generateKey())).toMatchObject({ ok: false, problem: 'other-key' })
    expect(readCheckpoint(text.replace('\n2\n', '\n1\n'), key)).toMatchObject({
      ok: false,
      problem: 'bad-signature',
    })
    expect(readCheckpoint(text.replace('kVvn', 'kVvm'), key)).toMatchObject({
      ok: false,
      problem: 'bad-signature',
    })
    for (const bad of [
      '',
      text.replace('vouch-audit-checkpoint/v1', 'other/v1'),
      text.replace('\n\n', '\nextension\n\n'),
      text.replace('\n2\n', '\n-2\n'),
      text.replace('\n2\n', '\n02\n'),
      text.replace('kVvndk4pYnbQJWqJIoqkkKPGq/m2p2CpLQk5Qq94izw=', 'AAAA'),
      text.split('\n\n')[0] ?? '',
      `${text.split('\n\n')[0]}\n\n`,
      `${text}x`.repeat(100),
    ]) {
      expect(readCheckpoint(bad, key).ok, JSON.stringify(bad.slice(0, 60))).toBe(false)
    }
  })

  it('a log cut before the checkpoint is truncated, a rewritten one edited', () => {
    const row = (seq: number, hash: string): AuditRow => ({
      seq,
      at: 0,
      type: 't',
      subject: '',
      details: '{}',
      prevHash: '',
      hash,
    })
    const checkpoint = { size: 2, headHash: HEAD_A2 }
    expect(matchCheckpoint(checkpoint, (seq) => (seq === 2 ? row(2, HEAD_A2) : undefined))).toEqual({
      ok: true,
    })
    expect(matchCheckpoint(checkpoint, () => undefined)).toMatchObject({
      ok: false,
      problem: 'truncated',
      badSeq: 2,
    })
    expect(matchCheckpoint(checkpoint, (seq) => row(seq, 'ff'.repeat(32)))).toMatchObject({
      ok: false,
      problem: 'edited',
    })
  })

  it('rows without a recorded head are truncated (the head row was deleted with the tail)', () => {
    const hash = auditHash(GENESIS_HASH, 1, 0, 'ban.created', 'x', '{}')
    const rows = [
      { seq: 1, at: 0, type: 'ban.created', subject: 'x', details: '{}', prevHash: GENESIS_HASH, hash },
    ]
    expect(verifyAuditRows(rows, { seq: 1, hash })).toMatchObject({ ok: true, events: 1 })
    expect(verifyAuditRows(rows, null)).toMatchObject({ ok: false, problem: 'truncated', badSeq: 1 })
    expect(verifyAuditRows([], null)).toEqual({ ok: true, events: 0, head: null })
  })
})
