import type { AuditSink } from '../audit.ts'
import { parsePublicKey } from '../provenance/keys.ts'
import type { PinnedPublisher, TrustStore } from '../provenance/trust-store.ts'
import type { PublisherView } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'

export function publisherView(publisher: PinnedPublisher, now = Date.now()): PublisherView {
  const status = publisher.revokedAt
    ? 'revoked'
    : publisher.expires && Date.parse(publisher.expires) <= now
      ? 'expired'
      : 'pinned'
  return { ...publisher, status }
}

type TrustHandlers = Pick<Handlers, 'trust.list' | 'trust.pin' | 'trust.remove' | 'trust.revoke'>

/**
 * The trust screen's commands, over the provenance trust store. A key comes as text only (never a
 * path: the UI must not make the engine read files). Every change is audited and announced.
 * `reevaluate` (the gate's ProvenancePlugin.reevaluate) runs after a key is revoked or unpinned,
 * so torrents admitted under it stop before the command answers.
 */
export function trustHandlers(
  trust: TrustStore,
  audit: AuditSink | undefined,
  events: EventBus,
  reevaluate: () => Promise<unknown> = async () => undefined,
): TrustHandlers {
  const changed = (type: 'trust.pinned' | 'trust.removed' | 'trust.revoked', publisher: PinnedPublisher) => {
    audit?.record({ type, subject: publisher.fingerprint, details: { name: publisher.name, via: 'ui' } })
    events.publish('trust.changed', {})
    return publisherView(publisher)
  }
  return {
    'trust.list': async () => (await trust.list()).map((publisher) => publisherView(publisher)),
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
  }
}
