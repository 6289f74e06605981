import type { Command } from 'commander'
import { parseDateOption, readPublicKeyArgument } from '../../provenance/files.ts'
import type { AuditEventType } from '../../audit.ts'
import { publisherStatus, publisherStatusText } from '../../provenance/publisher-status.ts'
import type { PinnedGroup, PinnedPublisher } from '../../provenance/trust-file.ts'
import { TrustStore } from '../../provenance/trust-store.ts'
import { VouchError } from '../../errors.ts'
import { ReputationStore } from '../../reputation/store.ts'
import { globalOptions, note, report } from '../context.ts'

const status = publisherStatus

function describe(publisher: PinnedPublisher): string {
  const extras = [
    publisher.scope ? `scope '${publisher.scope}'` : null,
    publisher.expires ? `expires ${publisher.expires}` : null,
    publisher.revokedAt ? `revoked ${publisher.revokedAt}` : null,
    publisher.rotatedAt ? `rotated ${publisher.rotatedAt}` : null,
  ].filter(Boolean)
  return `${publisher.fingerprint}  ${publisherStatusText(publisher).padEnd(7)}  ${publisher.name}${extras.length ? `  (${extras.join(', ')})` : ''}\n    ${publisher.publicKey}`
}

function describeGroup(group: PinnedGroup): string {
  return `group '${group.name}': ${group.threshold} of ${group.members.length} keys must sign\n${group.members.map((member) => `    ${member}`).join('\n')}`
}

/** Every change to the pinned publishers goes to the audit log in HOME/vouch.db. */
function audit(
  home: string,
  type: AuditEventType,
  publisher: PinnedPublisher,
  extra: Record<string, unknown> = {},
): void {
  try {
    const log = ReputationStore.openInHome(home)
    try {
      log.record({
        type,
        subject: publisher.fingerprint,
        details: {
          name: publisher.name,
          publicKey: publisher.publicKey,
          scope: publisher.scope,
          expires: publisher.expires,
          ...extra,
        },
      })
    } finally {
      log.close()
    }
  } catch (error) {
    note(
      `warning: the change was made but could not be written to the audit log: ${(error as Error).message}`,
    )
  }
}

function auditFeed(home: string, subject: string, details: Record<string, unknown>): void {
  try {
    const log = ReputationStore.openInHome(home)
    try {
      log.record({ type: 'feed.followed', subject, details })
    } finally {
      log.close()
    }
  } catch (error) {
    note(`warning: the feed moved but could not be written to the audit log: ${(error as Error).message}`)
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function store(command: Command): { trust: TrustStore; global: ReturnType<typeof globalOptions> } {
  const global = globalOptions(command)
  return { trust: TrustStore.forHome(global.home), global }
}

export function registerTrust(program: Command): void {
  const trust = program.command('trust').description('the publishers you trust (pinned keys)')

  trust
    .command('add')
    .description('pin a publisher key: "vouch-ed25519 …", "ssh-ed25519 AAAA…", or a file holding one')
    .argument('<key-or-file>', 'public key text or file')
    .requiredOption('--name <label>', 'who this is, for you')
    .option('--expires <date>', 'stop trusting the key after this date')
    .option('--scope <pattern>', 'trust it only for torrent names matching this glob (* and ?)')
    .action(
      async (
        argument: string,
        flags: { name: string; expires?: string; scope?: string },
        command: Command,
      ) => {
        const { trust: store_, global } = store(command)
        const key = await readPublicKeyArgument(argument)
        const expires = flags.expires ? parseDateOption(flags.expires, '--expires') : undefined
        const pinned = await store_.pin(key, { name: flags.name, expires, scope: flags.scope })
        audit(global.home, 'trust.pinned', pinned)
        report(global, `pinned ${pinned.fingerprint} as '${pinned.name}'\n    ${pinned.publicKey}`, {
          ok: true,
          publisher: { ...pinned, status: status(pinned) },
        })
      },
    )

  trust
    .command('add-group')
    .description('pin a group of keys of which K must sign each release (k of n; no single key can publish)')
    .argument('<name>', 'the publisher, for you')
    .argument('<keys...>', 'two or more public keys (text or files)')
    .requiredOption('--threshold <k>', 'how many distinct keys of the group must sign')
    .action(async (name: string, keys: string[], flags: { threshold: string }, command: Command) => {
      const { trust: store_, global } = store(command)
      const threshold = /^\d{1,2}$/.test(flags.threshold) ? Number(flags.threshold) : Number.NaN
      const publicKeys = await Promise.all(keys.map((key) => readPublicKeyArgument(key)))
      const group = await store_.addGroup(name, threshold, publicKeys)
      for (const publisher of await store_.list())
        if (group.members.includes(publisher.fingerprint)) audit(global.home, 'trust.pinned', publisher)
      report(global, `pinned ${describeGroup(group)}`, { ok: true, group })
    })

  trust
    .command('rotate-sign')
    .description('publisher: sign a statement handing your pin to a new key (give it to your users)')
    .requiredOption('--key <file>', 'the old secret key (repeat for a threshold of a group)', collect, [])
    .requiredOption('--old <key>', 'the old public key (text or file)')
    .requiredOption('--new <key>', 'the new public key (text or file)')
    .requiredOption('--out <file>', 'where to write the statement')
    .action(async (flags: { key: string[]; old: string; new: string; out: string }, command: Command) => {
      const { global } = store(command)
      const [{ readSecretKeyFile }, { encodeRotation, signRotation }, { writeFile }] = await Promise.all([
        import('../../provenance/files.ts'),
        import('../../provenance/rotation.ts'),
        import('node:fs/promises'),
      ])
      const signers = await Promise.all(flags.key.map((file) => readSecretKeyFile(file)))
      const [oldKey, newKey] = await Promise.all([
        readPublicKeyArgument(flags.old),
        readPublicKeyArgument(flags.new),
      ])
      const statement = signRotation(
        { oldKey: oldKey.publicKey, newKey: newKey.publicKey, created: Math.floor(Date.now() / 1000) },
        signers,
      )
      await writeFile(flags.out, encodeRotation(statement), { flag: 'wx' })
      report(global, `rotation ${oldKey.fingerprint} → ${newKey.fingerprint} written to ${flags.out}`, {
        ok: true,
        out: flags.out,
        old: oldKey.fingerprint,
        new: newKey.fingerprint,
      })
    })

  trust
    .command('rotate')
    .description("move a pin to a publisher's new key, with a rotation statement signed by the old key")
    .argument('<statement>', 'the file from vouch trust rotate-sign')
    .action(async (file: string, _flags: unknown, command: Command) => {
      const { trust: store_, global } = store(command)
      const [{ decodeRotation }, { readFile }, { fingerprintOf }] = await Promise.all([
        import('../../provenance/rotation.ts'),
        import('node:fs/promises'),
        import('../../provenance/keys.ts'),
      ])
      const bytes = await readFile(file).catch((error: Error) => {
        throw new VouchError('bad-input', `cannot read ${file}: ${error.message}`)
      })
      const statement = decodeRotation(new Uint8Array(bytes))
      const pinned = await store_.rotate(statement)
      const from = fingerprintOf(statement.oldKey)
      audit(global.home, 'trust.rotated', pinned, { from })
      // Feeds followed under the old key follow the new key's feed of the same name.
      const [{ moveFollowedFeeds }, { FeedStore }] = await Promise.all([
        import('../../feeds/feed-rotation.ts'),
        import('../../feeds/feed-store.ts'),
      ])
      const moved = await moveFollowedFeeds(FeedStore.forHome(global.home), from, statement.newKey)
      for (const feed of moved)
        auditFeed(global.home, pinned.fingerprint, {
          feed: feed.name,
          magnet: feed.magnet,
          rotatedFrom: from,
        })
      const feedLines = moved.map((feed) => `\n    feed '${feed.name}' now follows ${feed.magnet}`).join('')
      report(
        global,
        `pin '${pinned.name}' moved to ${pinned.fingerprint}\n    ${pinned.publicKey}${feedLines}`,
        {
          ok: true,
          publisher: { ...pinned, status: status(pinned) },
          movedFeeds: moved,
        },
      )
    })

  trust
    .command('list')
    .description('list pinned, revoked and rotated publishers, and threshold groups')
    .action(async (_flags: unknown, command: Command) => {
      const { trust: store_, global } = store(command)
      const { publishers, groups } = await store_.load()
      const lines = [...publishers.map(describe), ...groups.map(describeGroup)]
      report(global, lines.length ? lines.join('\n') : 'no pinned publishers', {
        ok: true,
        publishers: publishers.map((publisher) => ({
          ...publisher,
          status: status(publisher),
          rotatedTo: publisher.rotatedTo ?? null,
        })),
        groups,
      })
    })

  trust
    .command('remove')
    .description('unpin a publisher (revoked keys stay listed)')
    .argument('<fingerprint>', 'as shown by vouch trust list')
    .action(async (fingerprint: string, _flags: unknown, command: Command) => {
      const { trust: store_, global } = store(command)
      const removed = await store_.remove(fingerprint)
      audit(global.home, 'trust.removed', removed)
      report(global, `removed ${removed.fingerprint} '${removed.name}'`, { ok: true, publisher: removed })
    })

  trust
    .command('revoke')
    .description('refuse a key forever; it stays listed as revoked')
    .argument('<fingerprint-or-key>', 'a pinned fingerprint, or a full public key')
    .option('--name <label>', 'label for a key that was not pinned')
    .action(async (argument: string, flags: { name?: string }, command: Command) => {
      const { trust: store_, global } = store(command)
      if (argument.trim() === '') throw new VouchError('usage', 'give a fingerprint or a public key')
      const revoked = await store_.revoke(argument, flags.name)
      audit(global.home, 'trust.revoked', revoked)
      report(global, `revoked ${revoked.fingerprint} '${revoked.name}'`, {
        ok: true,
        publisher: { ...revoked, status: status(revoked) },
      })
    })
}
