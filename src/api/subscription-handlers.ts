import type { ReputationStore } from '../reputation/store.ts'
import { DEFAULT_EVERY_MS, Subscriptions, type Subscription } from '../reputation/subscriptions.ts'
import type { SubscriptionView } from './contract.ts'
import type { EventBus, Handlers } from './dispatcher.ts'

type SubscriptionHandlers = Pick<
  Handlers,
  'subscriptions.list' | 'subscriptions.add' | 'subscriptions.remove'
>

function view(subscription: Subscription): SubscriptionView {
  const { url, everyMs, checkedAt, changedAt, entries, error } = subscription
  return { url, everyMs, checkedAt, changedAt, entries, error }
}

/** Blocklist subscriptions from the UI: the same Subscriptions the CLI and the scheduler use. */
export function subscriptionHandlers(
  home: string,
  store: ReputationStore,
  events: EventBus,
): SubscriptionHandlers {
  const subscriptions = new Subscriptions(home)
  return {
    'subscriptions.list': async () => (await subscriptions.list()).map(view),
    'subscriptions.add': async ({ url, everyMs }) => {
      const added = await subscriptions.add(url, everyMs ?? DEFAULT_EVERY_MS)
      await subscriptions.refresh(added, store)
      events.publish('bans.changed', {})
      const current = (await subscriptions.list()).find((entry) => entry.id === added.id) ?? added
      return view(current)
    },
    'subscriptions.remove': async ({ url }) => {
      const outcome = await subscriptions.remove(url, store)
      if (outcome.lifted > 0) events.publish('bans.changed', {})
      return outcome
    },
  }
}
