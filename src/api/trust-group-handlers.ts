/**
 * Threshold groups and key rotation from the Trust screen (docs/formats.md, "Publisher groups" and
 * "Key rotation"). A group's keys come as text: public keys, or fingerprints of keys already
 * pinned. A rotation statement comes as its file's bytes in base64 (never a path), is described
 * first so the UI can show old and new fingerprints for confirmation, then applied.
 */
import { VouchError } from '../errors.ts'
import { fingerprintOf, parsePublicKey, type PublisherKey } from '../provenance/keys.ts'
import { decodeRotation, type RotationStatement } from '../provenance/rotation.ts'
import { normaliseFingerprint, type PinnedGroup, type PinnedPublisher } from '../provenance/trust-file.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { PublisherView, TrustGroupView } from './contract.ts'
import type { Handlers } from './dispatcher.ts'

export type TrustChange = 'trust.pinned' | 'trust.removed' | 'trust.revoked' | 'trust.rotated'

export function groupView(group: PinnedGroup): TrustGroupView {
  return {
    name: group.name,
    threshold: group.threshold,
    members: [...group.members],
    createdAt: group.createdAt,
  }
}

type GroupHandlers = Pick<Handlers, 'trust.addGroup' | 'trust.describeRotation' | 'trust.rotate'>

export interface TrustGroupHandlerOptions {
  trust: TrustStore
  /** Audit and announce a change; answers the changed key's view. */
  changed(type: TrustChange, publisher: PinnedPublisher, details?: Record<string, unknown>): PublisherView
  reevaluate(): Promise<unknown>
  /** A pin moved from the key `from` (fingerprint) to `to`: feeds followed under it move too. */
  onRotated?: (from: string, to: PinnedPublisher) => Promise<void>
}

/** Key `index` (0-based) of `count` as the user gave it: public key text or a pinned fingerprint. */
function groupKey(
  text: string,
  index: number,
  count: number,
  pinned: readonly PinnedPublisher[],
): PublisherKey {
  const which = `key ${index + 1} of ${count}`
  const fingerprint = normaliseFingerprint(text)
  if (fingerprint) {
    const publisher = pinned.find((candidate) => candidate.fingerprint === fingerprint)
    if (!publisher)
      throw new VouchError(
        'bad-input',
        `${which}: no pinned key has fingerprint ${fingerprint}; give its full public key instead`,
        { index },
      )
    return parsePublicKey(publisher.publicKey)
  }
  try {
    return parsePublicKey(text)
  } catch (error) {
    throw new VouchError('bad-input', `${which}: ${(error as Error).message}`, { index })
  }
}

function statementOf(base64: string): RotationStatement {
  const bytes = new Uint8Array(Buffer.from(base64.replace(/\s+/g, ''), 'base64'))
  return decodeRotation(bytes)
}

export function trustGroupHandlers({
  trust,
  changed,
  reevaluate,
  onRotated,
}: TrustGroupHandlerOptions): GroupHandlers {
  return {
    'trust.addGroup': async ({ name, threshold, keys }) => {
      const pinned = await trust.list()
      const parsed = keys.map((text, index) => groupKey(text, index, keys.length, pinned))
      const group = await trust.addGroup(name, threshold, parsed)
      const members = (await trust.list()).filter((publisher) =>
        group.members.includes(publisher.fingerprint),
      )
      for (const member of members)
        changed('trust.pinned', member, { group: group.name, threshold: group.threshold })
      // A key already admitted alone may now need its group's threshold.
      await reevaluate()
      return groupView(group)
    },
    'trust.describeRotation': async ({ statementBase64 }) => {
      const statement = statementOf(statementBase64)
      const pinned = await trust.previewRotation(statement)
      return {
        oldFingerprint: fingerprintOf(statement.oldKey),
        newFingerprint: pinned.fingerprint,
        name: pinned.name,
        created: new Date(statement.created * 1000).toISOString(),
        signers: statement.signatures.map(({ key }) => fingerprintOf(key)),
      }
    },
    'trust.rotate': async ({ statementBase64 }) => {
      const statement = statementOf(statementBase64)
      const pinned = await trust.rotate(statement)
      const from = fingerprintOf(statement.oldKey)
      const view = changed('trust.rotated', pinned, { from })
      await onRotated?.(from, pinned)
      await reevaluate()
      return view
    },
  }
}
