/**
 * Feeds bench: on a loopback DHT of plain nodes, the time from `publish` of release N+1 to a
 * running follower starting it (median of `repeats`), and the follower's polling cost. Runs from
 * `bench/run.ts --scenarios feeds` or alone: `npx node bench/feeds.ts [--repeats N] [--poll-ms N]`.
 *
 * Baseline: one bare BEP 44 lookup on the same DHT, the least any follower must spend; the ratio
 * shows what polling (on average half an interval) and the gate add to it.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { FeedDaemon } from '../src/feeds/daemon.ts'
import { DEFAULT_POLL_INTERVAL_MS, REPUBLISH_INTERVAL_MS } from '../src/feeds/daemon.ts'
import { closeDht, lookupItems, openDhtNode } from '../src/feeds/dht.ts'
import { feedNameToSalt, formatFeedMagnet } from '../src/feeds/feed-magnet.ts'
import { FeedStore } from '../src/feeds/feed-store.ts'
import { publishRelease } from '../src/feeds/publish.ts'
import { followFeed } from '../src/feeds/subscriptions.ts'
import { generateKey } from '../src/provenance/keys.ts'
import { signTorrent } from '../src/provenance/sign.ts'
import { TrustStore } from '../src/provenance/trust-store.ts'
import { buildTorrent } from '../test/fixtures/provenance/build.ts'
import { LoopbackDht } from '../test/kit/dht.ts'
import { nextLoopbackAddress, tempDir } from '../test/kit/swarm.ts'

export interface FeedsBenchOptions {
  /** Releases published; the median latency is reported. Default 5. */
  repeats?: number
  /** The follower's poll interval in the latency runs, ms. Default 1000. */
  pollMs?: number
  /** Plain DHT nodes. Default 6. */
  nodes?: number
  log?: (line: string) => void
}

export interface FeedsBenchResult {
  latenciesMs: number[]
  medianLatencyMs: number
  lookupMs: number[]
  medianLookupMs: number
  pollMs: number
  nodesPerLookup: number
  requestsPerHourPerFeed: number
  putsPerHourPerFeed: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

export async function runFeedsBench(options: FeedsBenchOptions = {}): Promise<FeedsBenchResult> {
  const repeats = options.repeats ?? 5
  const pollMs = options.pollMs ?? 1000
  const log = options.log ?? (() => undefined)
  const dht = await LoopbackDht.start(options.nodes ?? 6)
  const publisherNode = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
  const followerNode = await openDhtNode({ bootstrap: dht.bootstrap, host: nextLoopbackAddress() })
  const key = generateKey()
  const salt = feedNameToSalt('bench')
  const publisherFeeds = new FeedStore(`${await tempDir('vouch-bench-publisher-')}/feeds.json`)
  const followerHome = await tempDir('vouch-bench-follower-')
  const trust = TrustStore.forHome(followerHome)
  await trust.pin(key, { name: 'Bench' })
  const feeds = FeedStore.forHome(followerHome)
  await followFeed(feeds, await trust.view(), formatFeedMagnet({ publicKey: key.publicKey, salt }))
  let started: ((seq: number) => void) | undefined
  const daemon = new FeedDaemon({
    dht: followerNode,
    feeds,
    trust,
    follow: true,
    pollIntervalMs: pollMs,
    startRelease: async (release) => started?.(release.seq),
  })
  const latenciesMs: number[] = []
  const lookupMs: number[] = []
  try {
    daemon.start()
    for (let sequence = 1; sequence <= repeats; sequence++) {
      const signed = signTorrent(buildTorrent(`release-${sequence}.txt`), key, { sequence })
      const seen = new Promise<void>((resolve) => {
        started = (seq) => seq === sequence && resolve()
      })
      const begin = performance.now()
      await publishRelease({
        torrent: signed.bytes,
        extraEnvelopes: [],
        key,
        feedName: 'bench',
        dht: publisherNode,
        feeds: publisherFeeds,
      })
      await seen
      latenciesMs.push(performance.now() - begin)
      const lookupBegin = performance.now()
      await lookupItems(followerNode, { publicKey: key.publicKey, salt })
      lookupMs.push(performance.now() - lookupBegin)
      log(
        `release ${sequence}: started ${latenciesMs.at(-1)?.toFixed(0)} ms after publish; bare lookup ${lookupMs.at(-1)?.toFixed(0)} ms`,
      )
    }
  } finally {
    await daemon.close()
    await closeDht(publisherNode)
    await closeDht(followerNode)
    await dht.close()
  }
  const nodesPerLookup = daemon.lookups > 0 ? daemon.nodesAsked / daemon.lookups : 0
  const pollsPerHour = (60 * 60 * 1000) / DEFAULT_POLL_INTERVAL_MS
  return {
    latenciesMs,
    medianLatencyMs: median(latenciesMs),
    lookupMs,
    medianLookupMs: median(lookupMs),
    pollMs,
    nodesPerLookup,
    requestsPerHourPerFeed: pollsPerHour * nodesPerLookup,
    putsPerHourPerFeed: (60 * 60 * 1000) / REPUBLISH_INTERVAL_MS,
  }
}

export function formatFeedsTable(result: FeedsBenchResult): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`
  return [
    '| measure | Vouch (publish → follower starts) | baseline (one bare lookup) | ratio |',
    '| --- | --- | --- | --- |',
    `| latency, median of ${result.latenciesMs.length} (poll every ${result.pollMs} ms) | ${ms(result.medianLatencyMs)} (${result.latenciesMs.map(ms).join(', ')}) | ${ms(result.medianLookupMs)} | ${(result.medianLatencyMs / result.medianLookupMs).toFixed(1)}× |`,
    '',
    `Polling cost at the default interval (${DEFAULT_POLL_INTERVAL_MS / 60_000} min): ${result.nodesPerLookup.toFixed(1)} DHT requests per lookup on this DHT → ${result.requestsPerHourPerFeed.toFixed(0)} get requests per hour per feed, plus ${result.putsPerHourPerFeed} re-put per hour (its own lookup and one put per close node). On the Mainline DHT a lookup asks more nodes (tens); the cost scales with it.`,
  ].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(name)
    return index >= 0 ? Number(process.argv[index + 1]) : undefined
  }
  const repeats = flag('--repeats')
  const pollMs = flag('--poll-ms')
  runFeedsBench({
    ...(repeats ? { repeats } : {}),
    ...(pollMs ? { pollMs } : {}),
    log: (line) => console.error(line),
  }).then(
    (result) => {
      console.log(formatFeedsTable(result))
      process.exit(0)
    },
    (error: unknown) => {
      console.error(`feeds bench: ${(error as Error).stack ?? String(error)}`)
      process.exit(1)
    },
  )
}
