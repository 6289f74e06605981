import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { DEFAULT_FOLLOW_EVERY_MS, Follows, type Follow, type PollResult } from '../../reputation/follow.ts'
import { readVerifyingKey } from '../../reputation/report-signature.ts'
import { parseEvery } from '../../reputation/subscriptions.ts'
import { globalOptions, report, withStore } from '../context.ts'

/** `--key` is key text or a file holding it (a .pub file, an OpenSSH line). */
async function keyText(value: string): Promise<string> {
  try {
    return await readFile(value, 'utf8')
  } catch {
    return value
  }
}

function describePoll(name: string, result: PollResult): string {
  switch (result.status) {
    case 'applied':
      return `${name}: report of ${result.exportedAt} applied: ${result.added} new bans, ${result.lifted} lifted`
    case 'unchanged':
      return `${name}: no newer report`
    case 'pseudonymised':
      return `${name}: the report is pseudonymised (${result.bans} bans name no address): counted, not applied`
    case 'refused':
      return `${name}: refused (${result.problem}): ${result.message}`
    case 'failed':
      return `${name}: ${result.message}`
  }
}

function describe(follow: Follow): string {
  return `${follow.name}  ${follow.url}  key ${follow.fingerprint}  ${follow.applied} bans applied${follow.error ? `  FAILED: ${follow.error}` : ''}`
}

/** `bans follow`, `bans following`, `bans unfollow`. */
export function registerFollow(bans: Command): void {
  bans
    .command('follow')
    .description(
      'apply the bans another Vouch publishes (serve --publish-bans), checked against its pinned key',
    )
    .argument('<url>', 'the report URL, e.g. http://10.0.0.5:8080/bans.json')
    .requiredOption('--key <key>', "the publisher's public key (text or file), pinned for this feed")
    .option('--name <name>', 'a short name for the feed (default: the URL host)')
    .option('--every <duration>', 'how often vouch serve polls it: 30s, 5m, 1h', '5m')
    .action(async (url: string, flags: { key: string; name?: string; every: string }, command: Command) => {
      const global = globalOptions(command)
      const key = readVerifyingKey(await keyText(flags.key))
      const everyMs = flags.every ? parseEvery(flags.every) : DEFAULT_FOLLOW_EVERY_MS
      const name = flags.name ?? new URL(url).host.replace(/[^A-Za-z0-9._-]/g, '-')
      const follows = new Follows(global.home)
      const follow = await follows.add(url, key.publicKey, name, everyMs)
      const result = await withStore(global, (store) => follows.poll(follow, store))
      const text = `following ${follow.url} as ${name}, key ${key.fingerprint}\n${describePoll(name, result)}`
      if (result.status === 'failed') throw new VouchError('network', text, { url })
      if (result.status === 'refused')
        throw new VouchError('integrity', text, { url, problem: result.problem })
      report(global, text, { ok: true, name, url: follow.url, fingerprint: key.fingerprint, ...result })
    })

  bans
    .command('following')
    .description('followed ban reports and how their last poll went')
    .action(async (_flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const list = await new Follows(global.home).list()
      report(global, list.length ? list.map(describe).join('\n') : 'no followed reports', {
        ok: true,
        follows: list,
      })
    })

  bans
    .command('unfollow')
    .description('stop following a ban report and lift the bans it applied')
    .argument('<name>', 'the feed name')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const outcome = await withStore(global, (store) => new Follows(global.home).remove(name, store))
      if (!outcome.removed) throw new VouchError('bad-input', `no followed report named ${name}`)
      report(global, `unfollowed ${name}; lifted ${outcome.lifted} bans`, { ok: true, name, ...outcome })
    })
}
