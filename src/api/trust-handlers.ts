import type { AuditSink } from '../audit.ts'
import { parsePublicKey } from '../provenance/keys.ts'
import { publisherStatus } from '../provenance/publisher-status.ts'
import type { PinnedPublisher } from '../provenance/trust-file.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { PublisherView } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'
import { groupView, trustGroupHandlers, type TrustChange } from './trust-group-handlers.ts'

export function publisherView(publisher: PinnedPublisher, now = Date.now()): PublisherView {
  const { rotatedTo, rotatedAt, ...rest } = publisher
  return {
    ...rest,
    status: publisherStatus(publisher, now),
    rotatedTo: rotatedTo ?? null,
    rotatedAt: rotatedAt ?? null,
  }
}

type TrustHandlers = Pick<
  Handlers,
  | 'trust.list'
  | 'trust.pin'
  | 'trust.remove'
  | 'trust.revoke'
  | 'trust.addGroup'
  | 'trust.describeRotation'
  | 'trust.rotate'
>

/**
 * The trust screen's commands, over the provenance trust store. A key comes as text only (never a
 * path: the UI must not make the engine read files). Every change is audited and announced.
 * `reevaluate` (the gate's ProvenancePlugin.reevaluate) runs after a key is revoked, unpinned or
 * rotated, so torrents admitted under it stop before the command answers if they no longer pass.
 */
export function trustHandlers(
  trust: TrustStore,
  audit: AuditSink | undefined,
  events: EventBus,
  reevaluate: () => Promise<unknown> = async () => undefined,
  onRotated?: (from: string, to: PinnedPublisher) => Promise<void>,
): TrustHandlers {
  const changed = (type: TrustChange, publisher: PinnedPublisher, details: Record<string, unknown> = {}) => {
    audit?.record({
      type,
      subject: publisher.fingerprint,
      details: { name: publisher.name, via: 'ui', ...details },
    })
    events.publish('trust.changed', {})
    return publisherView(publisher)
  }
  return {
    'trust.list': async () => {
      const file = await trust.load()
      return {
        publishers: file.publishers.map((publisher) => publisherView(publisher)),
        groups: file.groups.map(groupView),
      }
    },
    'trust.pin': async ({ publicKey, name, expires, scope }) => {
      const key = parsePublicKey(publicKey)
      const pinned = await trust.pin(key, {
        name,
        ...(expires ? { expires: new Date(expires) } : {}),
        ...(scope ? { scope } : {}),
      })
      return changed('trust.pinned', pinned)
    },
    'trust.remove': async ({ fingerprint }) => {
      const removed = changed('trust.removed', await trust.remove(fingerprint))
      await reevaluate()
      return removed
    },
    'trust.revoke': async ({ fingerprint }) => {
      const revoked = changed('trust.revoked', await trust.revoke(fingerprint))
      await reevaluate()
      return revoked
    },
    ...trustGroupHandlers({ trust, changed, reevaluate, ...(onRotated ? { onRotated } : {}) }),
  }
}
