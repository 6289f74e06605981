/**
 * BEP 46 publisher feeds: `vouch publish`, `vouch follow`, `vouch feeds list|remove`. Each action
 * imports the feed modules when it runs, so `vouch --help` never loads the DHT.
 */
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { parseDateOption } from '../../provenance/files.ts'
import { TrustStore } from '../../provenance/trust-store.ts'
import { globalOptions, report, withStore } from '../context.ts'
import { dhtBootstrapOption } from '../engine-options.ts'

interface PublishFlags {
  key: string
  feed: string
  expires?: string
  dhtBootstrap?: string[]
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('put a signed release on your feed (BEP 46) and print the feed magnet followers use')
    .argument('<torrent>', 'the release .torrent, signed with vouch sign --sequence N')
    .requiredOption('--key <file>', 'the feed key: your secret key (from vouch keygen)')
    .requiredOption('--feed <name>', 'the feed (one per product): 1 to 64 bytes, the BEP 44 salt')
    .option('--expires <date>', 'followers show the feed as stale after this date unless you publish again')
    .option(...dhtBootstrapOption)
    .action(async (torrentPath: string, flags: PublishFlags, command: Command) => {
      const global = globalOptions(command)
      const [
        { readSecretKeyFile },
        { readTorrentFile },
        { readSidecarFor },
        dht,
        { FeedStore },
        { publishRelease },
      ] = await Promise.all([
        import('../../provenance/files.ts'),
        import('../../engine/source.ts'),
        import('../../provenance/gate.ts'),
        import('../../feeds/dht.ts'),
        import('../../feeds/feed-store.ts'),
        import('../../feeds/publish.ts'),
      ])
      const key = await readSecretKeyFile(flags.key)
      const source = await readTorrentFile(torrentPath)
      const expires = flags.expires
        ? Math.floor(parseDateOption(flags.expires, '--expires').getTime() / 1000)
        : undefined
      if (expires !== undefined && expires * 1000 <= Date.now())
        throw new VouchError('usage', `--expires ${flags.expires} is in the past`)
      const node = await dht.openDhtNode({ bootstrap: flags.dhtBootstrap })
      try {
        const published = await publishRelease({
          torrent: source.bytes,
          extraEnvelopes: await readSidecarFor(torrentPath),
          key,
          feedName: flags.feed,
          expires,
          dht: node,
          feeds: FeedStore.forHome(global.home),
        })
        await withStore(global, (store) =>
          store.record({
            type: 'feed.published',
            subject: published.feedId,
            details: {
              feed: flags.feed,
              seq: published.seq,
              infoHash: published.infoHash,
              fingerprint: key.fingerprint,
            },
          }),
        )
        report(
          global,
          [
            `published ${published.infoHash} as sequence ${published.seq} of feed '${flags.feed}' (${published.stored} DHT nodes stored it)`,
            published.magnet,
            'keep it alive: vouch seed or vouch serve re-put it every hour',
          ].join('\n'),
          { ok: true, ...published, feed: flags.feed, fingerprint: key.fingerprint },
        )
      } finally {
        await dht.closeDht(node)
      }
    })
}

export function registerFollow(program: Command): void {
  program
    .command('follow')
    .description('follow a publisher feed: vouch serve fetches, verifies and starts each new release')
    .argument('<feed-magnet>', 'magnet:?xs=urn:btpk:<key>&s=<feed>')
    .option('--out <dir>', 'where its releases are downloaded (default: the download folder)')
    .option('--notify-only', 'only announce new releases; do not start them')
    .action(async (magnet: string, flags: { out?: string; notifyOnly?: boolean }, command: Command) => {
      const global = globalOptions(command)
      const [{ FeedStore }, { followFeed }, path] = await Promise.all([
        import('../../feeds/feed-store.ts'),
        import('../../feeds/subscriptions.ts'),
        import('node:path'),
      ])
      const followed = await followFeed(
        FeedStore.forHome(global.home),
        await TrustStore.forHome(global.home).view(),
        magnet,
        {
          outDir: flags.out ? path.resolve(flags.out) : undefined,
          notifyOnly: flags.notifyOnly ?? false,
        },
      )
      await withStore(global, (store) =>
        store.record({
          type: 'feed.followed',
          subject: followed.fingerprint,
          details: { feed: followed.name, magnet: followed.magnet, notifyOnly: followed.notifyOnly },
        }),
      )
      report(
        global,
        `following '${followed.name}' from ${followed.fingerprint}${followed.notifyOnly ? ' (notify only)' : ''}; vouch serve polls it`,
        { ok: true, feed: followed },
      )
    })
}

export function registerFeeds(program: Command): void {
  const feeds = program.command('feeds').description('the feeds you follow')
  feeds
    .command('list')
    .description('followed feeds: last sequence, last update, state, errors')
    .action(async (_flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const [{ FeedStore }, { listFeeds }] = await Promise.all([
        import('../../feeds/feed-store.ts'),
        import('../../feeds/subscriptions.ts'),
      ])
      const views = await listFeeds(FeedStore.forHome(global.home), Date.now())
      report(
        global,
        views.length === 0
          ? 'no feeds followed (vouch follow FEED-MAGNET)'
          : views
              .map(
                (view) =>
                  `${view.name}  ${view.state}  seq ${view.lastSeq ?? '—'}  updated ${view.lastUpdate ?? 'never'}  [publisher ${view.fingerprint}]${view.lastError ? `\n    error: ${view.lastError}` : ''}\n    ${view.magnet}`,
              )
              .join('\n'),
        { ok: true, feeds: views },
      )
    })
  feeds
    .command('remove')
    .description('stop following a feed (by its magnet or id)')
    .argument('<feed>', 'feed magnet or id')
    .action(async (feed: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const [{ FeedStore }, { removeFeed }] = await Promise.all([
        import('../../feeds/feed-store.ts'),
        import('../../feeds/subscriptions.ts'),
      ])
      const removed = await removeFeed(FeedStore.forHome(global.home), feed)
      await withStore(global, (store) =>
        store.record({
          type: 'feed.removed',
          subject: removed.fingerprint,
          details: { feed: removed.name, magnet: removed.magnet },
        }),
      )
      report(global, `no longer following '${removed.name}'`, { ok: true, feed: removed })
    })
}
