import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import {
  DEFAULT_EVERY_MS,
  parseEvery,
  Subscriptions,
  type RefreshResult,
  type Subscription,
} from '../../reputation/subscriptions.ts'
import { globalOptions, note, report, withStore } from '../context.ts'

function every(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`
  return `${Math.round(ms / 1000)}s`
}

function describe(subscription: Subscription): string {
  const checked =
    subscription.checkedAt === null
      ? 'never fetched'
      : `checked ${new Date(subscription.checkedAt).toISOString()}`
  const status = subscription.error ? `FAILED: ${subscription.error}` : `${subscription.entries} entries`
  return `${subscription.url}  every ${every(subscription.everyMs)}  ${checked}  ${status}`
}

function describeRefresh(url: string, result: RefreshResult): string {
  switch (result.status) {
    case 'updated':
      return `${url}: ${result.entries} entries, ${result.added} new bans, ${result.lifted} lifted`
    case 'unchanged':
      return `${url}: not modified`
    case 'failed':
      return `${url}: ${result.error}${result.keptLastGood ? '; the last good list stays in force' : ''}`
  }
}

/** `bans subscribe`, `bans subscriptions`, `bans unsubscribe`, `bans refresh`. */
export function registerSubscriptions(bans: Command): void {
  bans
    .command('subscribe')
    .description('ban every entry of a blocklist at a URL, fetched again on a schedule by vouch serve')
    .argument('<url>', 'http(s) URL of a P2P, DAT, CIDR or plain list, gzip too')
    .option('--every <duration>', 'how often to fetch it again: 30m, 4h, 1d', '4h')
    .action(async (url: string, flags: { every: string }, command: Command) => {
      const global = globalOptions(command)
      const everyMs = flags.every ? parseEvery(flags.every) : DEFAULT_EVERY_MS
      const subscriptions = new Subscriptions(global.home)
      const subscription = await subscriptions.add(url, everyMs)
      const result = await withStore(global, (store) => subscriptions.refresh(subscription, store))
      const text = `subscribed to ${subscription.url} (every ${every(everyMs)})\n${describeRefresh(subscription.url, result)}`
      if (result.status === 'failed') {
        note(text)
        throw new VouchError('network', result.error, { url: subscription.url })
      }
      report(global, text, { ok: true, subscription: subscription.url, everyMs, ...result })
    })

  bans
    .command('subscriptions')
    .description('blocklist subscriptions and how their last fetch went')
    .action(async (_flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const list = await new Subscriptions(global.home).list()
      report(global, list.length ? list.map(describe).join('\n') : 'no subscriptions', {
        ok: true,
        subscriptions: list,
      })
    })

  bans
    .command('unsubscribe')
    .description('stop following a blocklist and lift the bans it imported')
    .argument('<url>', 'the subscription URL')
    .action(async (url: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const outcome = await withStore(global, (store) => new Subscriptions(global.home).remove(url, store))
      if (!outcome.removed) throw new VouchError('bad-input', `no subscription to ${url}`, { url })
      report(global, `unsubscribed from ${url}; lifted ${outcome.lifted} bans`, { ok: true, url, ...outcome })
    })
}
