/**
 * Signed checkpoints of the audit chain (docs/formats.md, "Audit checkpoints"), kept outside the
 * database so a log cut short at its end, or rewritten together with its head row, is still
 * caught. The text is a C2SP tlog-checkpoint in a C2SP signed note:
 *
 *     vouch-audit-checkpoint/v1        origin: fixed; the signed text starts with it, so it is the
 *     <size>                           domain separation. size = events in the chain (head's seq)
 *     <base64 of the head hash>        32 bytes: the hash of event #size (64 zeros when size is 0)
 *                                      blank line: end of the note text
 *     — <key name> <base64(key id ‖ signature)>
 *
 * The key name is the signing key's fingerprint; key id = the first 4 bytes of
 * SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key) (0x01: the signed-note ed25519 type); signature =
 * ed25519 over the note text (the three lines, each ending in a newline). Pure functions.
 */
import { createHash } from 'node:crypto'
import {
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  signBytes,
  verifyBytes,
  type PublisherKey,
  type SecretKey,
} from '../provenance/keys.ts'
import { GENESIS_HASH, type AuditRow } from './audit-chain.ts'

export const CHECKPOINT_ORIGIN = 'vouch-audit-checkpoint/v1'
/** A checkpoint is four short lines; anything longer is not one. */
export const MAX_CHECKPOINT_BYTES = 4096
const SIGNATURE_PREFIX = '\u2014 '
const ED25519_NOTE_TYPE = 0x01

export interface Checkpoint {
  size: number
  /** Hex SHA-256 of event #size, or GENESIS_HASH for an empty log. */
  headHash: string
}

/** The 4-byte key id a signed note's signature line starts with. */
export function noteKeyId(keyName: string, publicKey: Uint8Array): Uint8Array {
  const digest = createHash('sha256')
    .update(keyName)
    .update(Uint8Array.of(0x0a, ED25519_NOTE_TYPE))
    .update(publicKey)
    .digest()
  return new Uint8Array(digest.subarray(0, 4))
}

export function checkpointText(checkpoint: Checkpoint): string {
  return `${CHECKPOINT_ORIGIN}\n${checkpoint.size}\n${Buffer.from(checkpoint.headHash, 'hex').toString('base64')}\n`
}

export function signCheckpoint(checkpoint: Checkpoint, key: SecretKey): string {
  const text = checkpointText(checkpoint)
  const signature = signBytes(new TextEncoder().encode(text), key)
  const blob = Buffer.concat([noteKeyId(key.fingerprint, key.publicKey), signature]).toString('base64')
  return `${text}\n${SIGNATURE_PREFIX}${key.fingerprint} ${blob}\n`
}

export type CheckpointRead =
  | { ok: true; checkpoint: Checkpoint; keyName: string }
  | { ok: false; problem: 'malformed' | 'other-key' | 'bad-signature'; message: string }

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Parse and check a signed checkpoint against the key the reader trusts. Never throws. */
export function readCheckpoint(text: string, trusted: PublisherKey): CheckpointRead {
  const malformed = (message: string): CheckpointRead => ({ ok: false, problem: 'malformed', message })
  if (text.length > MAX_CHECKPOINT_BYTES) return malformed(`longer than ${MAX_CHECKPOINT_BYTES} bytes`)
  const split = text.indexOf('\n\n')
  if (split < 0) return malformed('no blank line between the checkpoint and its signature')
  const body = text.slice(0, split + 1)
  const lines = body.split('\n').slice(0, -1)
  if (lines[0] !== CHECKPOINT_ORIGIN) return malformed(`the first line is not '${CHECKPOINT_ORIGIN}'`)
  if (lines.length !== 3) return malformed('expected origin, size and head hash lines (no extensions)')
  const sizeText = lines[1] ?? ''
  if (!/^(0|[1-9]\d{0,15})$/.test(sizeText))
    return malformed(`size '${sizeText.slice(0, 20)}' is not a number`)
  const size = Number(sizeText)
  const hashText = lines[2] ?? ''
  const hash = BASE64.test(hashText) ? Buffer.from(hashText, 'base64') : Buffer.alloc(0)
  if (hash.length !== 32) return malformed('the head hash is not 32 bytes of base64')
  const headHash = hash.toString('hex')
  if (size === 0 && headHash !== GENESIS_HASH) return malformed('an empty log has the all-zero head hash')
  const keyId = noteKeyId(trusted.fingerprint, trusted.publicKey)
  let sawSignature = false
  for (const line of text.slice(split + 2).split('\n')) {
    if (line === '') continue
    const match = new RegExp(`^${SIGNATURE_PREFIX}(\\S+) (\\S+)$`).exec(line)
    if (!match?.[1] || !match[2] || !BASE64.test(match[2])) return malformed(`malformed signature line`)
    sawSignature = true
    const blob = Buffer.from(match[2], 'base64')
    if (match[1] !== trusted.fingerprint || blob.length !== 4 + SIGNATURE_LENGTH) continue
    if (!keyId.every((byte, index) => blob[index] === byte)) continue
    if (trusted.publicKey.length !== PUBLIC_KEY_LENGTH) break
    const valid = verifyBytes(
      new Uint8Array(blob.subarray(4)),
      new TextEncoder().encode(body),
      trusted.publicKey,
    )
    if (!valid)
      return {
        ok: false,
        problem: 'bad-signature',
        message: `the signature by ${trusted.fingerprint} does not hold`,
      }
    return { ok: true, checkpoint: { size, headHash }, keyName: match[1] }
  }
  if (!sawSignature) return malformed('no signature line')
  return { ok: false, problem: 'other-key', message: `not signed by ${trusted.fingerprint}` }
}

export type CheckpointMatch =
  { ok: true } | { ok: false; problem: 'truncated' | 'edited'; badSeq: number; message: string }

/**
 * Does the log still hold the checkpoint's history? `eventAt(seq)` reads one row. The chain itself
 * (verifyAuditRows) proves rows 1…size link up to row #size; this proves row #size is the one signed.
 */
export function matchCheckpoint(
  checkpoint: Checkpoint,
  eventAt: (seq: number) => AuditRow | undefined,
): CheckpointMatch {
  if (checkpoint.size === 0) return { ok: true }
  const row = eventAt(checkpoint.size)
  if (!row) {
    return {
      ok: false,
      problem: 'truncated',
      badSeq: checkpoint.size,
      message: `the checkpoint covers ${checkpoint.size} events but the log has no event #${checkpoint.size}: events were removed`,
    }
  }
  if (row.hash !== checkpoint.headHash) {
    return {
      ok: false,
      problem: 'edited',
      badSeq: checkpoint.size,
      message: `event #${checkpoint.size} is not the one the checkpoint signed: events up to it were removed or changed`,
    }
  }
  return { ok: true }
}
