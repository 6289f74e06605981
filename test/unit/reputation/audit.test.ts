import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import {
  auditHash,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditRows,
} from '../../../src/reputation/audit-chain.ts'
import { auditRows, verifyAuditLog } from '../../../src/reputation/audit-log.ts'
import { ReputationStore } from '../../../src/reputation/store.ts'
import { tempDir } from '../../kit/swarm.ts'

/** docs/formats.md, "Audit log", vectors A1 and A2 (also checked there by an independent Python one-liner). */
const VECTORS = [
  {
    id: 'A1',
    prevHash: GENESIS_HASH,
    seq: 1,
    at: 1700000000000,
    type: 'ban.created',
    subject: '127.0.0.7',
    details: { reason: 'poisoned-block', evidence: { piece: 3, infoHash: 'ab' } },
    canonical: '{"evidence":{"infoHash":"ab","piece":3},"reason":"poisoned-block"}',
    hash: 'a63fc38ae4cf034de18d8d0b119fd3530cd84776c06b3e8fbdabb63b640ca57e',
  },
  {
    id: 'A2',
    prevHash: 'a63fc38ae4cf034de18d8d0b119fd3530cd84776c06b3e8fbdabb63b640ca57e',
    seq: 2,
    at: 1700000001000,
    type: 'ban.lifted',
    subject: '127.0.0.7',
    details: { lifted: 1 },
    canonical: '{"lifted":1}',
    hash: '915be7764e296276d0256a89228aa490a3c6abf9b6a760a92d093942af788b3c',
  },
]

describe('the audit hash chain', () => {
  it.each(VECTORS)('matches vector $id', (vector) => {
    expect(canonicalJson(vector.details), vector.id).toBe(vector.canonical)
    expect(
      auditHash(vector.prevHash, vector.seq, vector.at, vector.type, vector.subject, vector.canonical),
      vector.id,
    ).toBe(vector.hash)
  })

  it('verifies the vectors as a chain, and finds a missing first event', () => {
    const rows = VECTORS.map((v) => ({ ...v, details: v.canonical }))
    expect(verifyAuditRows(rows, { seq: 2, hash: VECTORS[1]!.hash })).toMatchObject({ ok: true, events: 2 })
    expect(verifyAuditRows(rows.slice(1), null)).toMatchObject({ ok: false, badSeq: 2, problem: 'missing' })
  })
})

describe('vouch audit verify on a real store', () => {
  let store: ReputationStore | undefined
  let db: DatabaseSync | undefined
  afterEach(() => {
    store?.close()
    db?.close()
    store = undefined
    db = undefined
  })

  /** A store with 10 events, closed; returns a raw handle with the append-only triggers dropped. */
  async function tamperable(): Promise<DatabaseSync> {
    store = ReputationStore.open(path.join(await tempDir('vouch-audit-'), 'vouch.db'))
    for (let i = 1; i <= 10; i++)
      store.record({ type: 'provenance.accepted', subject: `torrent-${i}`, details: { i, name: `n${i}` } })
    store.flush()
    expect(verifyAuditLog(store.database)).toMatchObject({ ok: true, events: 10, head: { seq: 10 } })
    const file = store.file
    store.close()
    store = undefined
    db = new DatabaseSync(file)
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete')
    return db
  }

  it('finds an edited row and names it', async () => {
    const raw = await tamperable()
    raw.exec(`UPDATE audit SET details = '{"i":4,"name":"evil"}' WHERE seq = 4`)
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 4, problem: 'edited' })
  })

  it('finds an edited time', async () => {
    const raw = await tamperable()
    raw.exec('UPDATE audit SET at = at + 1 WHERE seq = 7')
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 7, problem: 'edited' })
  })

  it('finds a deleted row and names the first row after the gap', async () => {
    const raw = await tamperable()
    raw.exec('DELETE FROM audit WHERE seq = 5')
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 6, problem: 'missing' })
  })

  it('finds a deleted row even when the rest were renumbered to close the gap', async () => {
    const raw = await tamperable()
    raw.exec('DELETE FROM audit WHERE seq = 5; UPDATE audit SET seq = seq - 1 WHERE seq > 5')
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 5 })
  })

  it('finds two swapped rows', async () => {
    const raw = await tamperable()
    raw.exec(
      'UPDATE audit SET seq = -1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 8; UPDATE audit SET seq = 8 WHERE seq = -1',
    )
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 3, problem: 'edited' })
  })

  it('finds swapped contents even when each row was re-hashed, because the links break', async () => {
    const raw = await tamperable()
    const rows = [...auditRows(raw)]
    const [a, b] = [rows[2]!, rows[7]!]
    const rewrite = (seq: number, from: typeof a, prevHash: string) =>
      raw
        .prepare('UPDATE audit SET at = ?, type = ?, subject = ?, details = ?, hash = ? WHERE seq = ?')
        .run(
          from.at,
          from.type,
          from.subject,
          from.details,
          auditHash(prevHash, seq, from.at, from.type, from.subject, from.details),
          seq,
        )
    rewrite(3, b, a.prevHash)
    rewrite(8, a, b.prevHash)
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 4, problem: 'relinked' })
  })

  it('finds events cut off the end', async () => {
    const raw = await tamperable()
    raw.exec('DELETE FROM audit WHERE seq > 8')
    expect(verifyAuditLog(raw)).toMatchObject({ ok: false, badSeq: 9, problem: 'truncated' })
  })

  it('continues the chain after a restart', async () => {
    const file = path.join(await tempDir('vouch-audit-'), 'vouch.db')
    store = ReputationStore.open(file)
    store.record({ type: 'trust.pinned', subject: 'a', details: {} })
    store.close()
    store = ReputationStore.open(file)
    store.record({ type: 'trust.removed', subject: 'a', details: {} })
    store.flush()
    expect(verifyAuditLog(store.database)).toMatchObject({ ok: true, events: 2 })
  })
})
