/**
 * A feed publisher on a loopback DHT, through the real CLI as a publisher runs it: `vouch keygen`,
 * then per release `vouch create --sign --sequence N`, `vouch seed` (on the DHT, so a follower
 * finds the release by its infohash) and `vouch publish --feed NAME`. Its processes stop with the
 * swarm.
 */
import path from 'node:path'
import { FeedStore, itemOf } from '../../src/feeds/feed-store.ts'
import type { MutableItem } from '../../src/feeds/bep44.ts'
import { lastJson, runVouch, VouchProcess } from './cli.ts'
import type { LoopbackDht } from './dht.ts'
import type { Payload, Swarm } from './swarm.ts'

/** Trackers, LSD and NAT traversal off; the DHT stays on (joined through `--dht-bootstrap`). */
export const NO_DISCOVERY_BUT_DHT = ['--no-lsd', '--no-nat', '--no-tracker']

export interface FeedRelease {
  payload: Payload
  /** The feed magnet `vouch publish` printed. */
  magnet: string
}

export class FeedPublisher {
  readonly home: string
  readonly feed: string
  /** The secret key file. */
  readonly key: string
  /** `vouch-ed25519 …` */
  readonly publicKey: string
  readonly fingerprint: string
  readonly #swarm: Swarm
  readonly #dht: LoopbackDht

  private constructor(
    swarm: Swarm,
    dht: LoopbackDht,
    fields: Pick<FeedPublisher, 'home' | 'feed' | 'key' | 'publicKey' | 'fingerprint'>,
  ) {
    this.#swarm = swarm
    this.#dht = dht
    this.home = fields.home
    this.feed = fields.feed
    this.key = fields.key
    this.publicKey = fields.publicKey
    this.fingerprint = fields.fingerprint
  }

  static async create(swarm: Swarm, dht: LoopbackDht, feed = 'product'): Promise<FeedPublisher> {
    const home = await swarm.tempDir('vouch-publisher-')
    const key = path.join(home, 'feed.key')
    const made = await vouch(home, 'keygen', '--out', key)
    if (made.code !== 0) throw new Error(`vouch keygen failed: ${made.stderr}`)
    const { publicKey, fingerprint } = lastJson(made) as { publicKey: string; fingerprint: string }
    return new FeedPublisher(swarm, dht, { home, feed, key, publicKey, fingerprint })
  }

  /**
   * Make release `sequence`, have each of `cosigners` (secret key files) add its signature with
   * `vouch sign`, seed it and publish it; resolves once the item is put.
   */
  async release(sequence: number, cosigners: readonly string[] = []): Promise<FeedRelease> {
    const bootstrap = this.#dht.bootstrapFlags
    const payload = await this.#swarm.payload({ bytes: 300_000, name: `${this.feed}-${sequence}.bin` })
    const torrent = path.join(this.home, `${this.feed}-${sequence}.torrent`)
    const created = await vouch(
      this.home,
      'create',
      payload.file,
      '--out',
      torrent,
      '--sign',
      this.key,
      '--sequence',
      String(sequence),
    )
    if (created.code !== 0) throw new Error(`vouch create failed: ${created.stderr}`)
    for (const cosigner of cosigners) {
      const signed = await vouch(
        this.home,
        'sign',
        torrent,
        '--key',
        cosigner,
        '--sequence',
        String(sequence),
      )
      if (signed.code !== 0) throw new Error(`vouch sign failed: ${signed.stderr}`)
    }
    const seeder = new VouchProcess([
      '--json',
      '--home',
      this.home,
      'seed',
      torrent,
      '--data',
      payload.dir,
      ...NO_DISCOVERY_BUT_DHT,
      ...bootstrap,
    ])
    this.#swarm.defer(async () => void (await seeder.stop('SIGKILL')))
    await seeder.json((line) => line.event === 'seeding')
    const published = await vouch(
      this.home,
      'publish',
      torrent,
      '--key',
      this.key,
      '--feed',
      this.feed,
      ...bootstrap,
    )
    if (published.code !== 0) throw new Error(`vouch publish failed: ${published.stderr}`)
    return { payload, magnet: String(lastJson(published).magnet) }
  }

  /** The item the publisher keeps (and re-puts) for its feed: the last one published. */
  async keptItem(): Promise<MutableItem> {
    const [entry] = Object.values((await new FeedStore(path.join(this.home, 'feeds.json')).load()).published)
    if (!entry) throw new Error('the publisher kept no item')
    return itemOf(entry, entry.item)
  }
}

function vouch(home: string, ...args: string[]) {
  return runVouch(['--json', '--home', home, ...args], { timeoutMs: 60_000 })
}
