/**
 * verifyBytes in a fresh process (this file's own module graph; nothing here signs or makes keys,
 * which would build noble's base-point table): the first VERIFY_WITHOUT_TABLE checks do no table's
 * worth of point additions, the next one builds the table (noble's ed.verify), and every answer is
 * right on either side of the switch. Point additions are counted by a spy on the real method.
 */
import * as ed from '@noble/ed25519'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { VERIFY_WITHOUT_TABLE, verifyBytes } from '../../../src/provenance/keys.ts'
import { RFC8032_VECTORS } from '../../fixtures/provenance/rfc8032.ts'

/** The table: 33 windows of 128 multiples of B, 127 additions each. */
const TABLE_ADDITIONS = 33 * 127
const additions = vi.spyOn(ed.Point.prototype, 'add')
afterAll(() => additions.mockRestore())

const checks = RFC8032_VECTORS.flatMap((vector) => {
  const signature = new Uint8Array(Buffer.from(vector.signature, 'hex'))
  const message = new Uint8Array(Buffer.from(vector.message, 'hex'))
  const publicKey = new Uint8Array(Buffer.from(vector.publicKey, 'hex'))
  const forged = Uint8Array.from(signature)
  forged[0] = (forged[0] ?? 0) ^ 1
  return [
    { name: `${vector.name} valid`, signature, message, publicKey, expected: true },
    { name: `${vector.name} forged`, signature: forged, message, publicKey, expected: false },
  ]
})

/** One check, which must answer right: the point additions it made. */
function additionsOf(index: number): number {
  const check = checks[index % checks.length]!
  const before = additions.mock.calls.length
  expect(verifyBytes(check.signature, check.message, check.publicKey), check.name).toBe(check.expected)
  return additions.mock.calls.length - before
}

describe('verifyBytes switches from the table-free path to ed.verify', () => {
  it(`makes its first ${VERIFY_WITHOUT_TABLE} checks without building the table, then builds it once`, () => {
    expect(VERIFY_WITHOUT_TABLE).toBeGreaterThan(0)
    for (let index = 0; index < VERIFY_WITHOUT_TABLE; index++)
      expect(additionsOf(index), `check ${index + 1}`).toBeLessThan(TABLE_ADDITIONS / 4)
    expect(additionsOf(VERIFY_WITHOUT_TABLE)).toBeGreaterThan(TABLE_ADDITIONS)
    for (let index = VERIFY_WITHOUT_TABLE + 1; index < VERIFY_WITHOUT_TABLE + 2 * checks.length; index++)
      expect(additionsOf(index), `check ${index + 1}`).toBeLessThan(TABLE_ADDITIONS / 4)
  })
})
