/**
 * BEP 44 over bittorrent-dht 11, around its pitfalls (docs/decisions.md, "Feeds over bittorrent-dht"):
 * - `verify` must be synchronous and never throw (noble's sync verify; keys.ts's verifyBytes), or
 *   the node neither stores nor returns mutable items;
 * - its own `get` keeps only the best answer and may answer from its cache, so lookups here walk
 *   the DHT themselves (`_closest`) and see every answer, to audit the bad ones;
 * - it re-encodes `v` before signing or checking, so `v` is handed over decoded from canonical
 *   bytes and the re-encoding is checked to give the same bytes;
 * - an empty salt Buffer is truthy to it and would be signed as `4:salt0:`; it is left out instead.
 */
import bencode from 'bencode'
import DHT, { type DhtPeer } from 'bittorrent-dht'
import { VouchError } from '../errors.ts'
import { sameBytes, verifyBytes } from '../provenance/keys.ts'
import { mutableTarget, type MutableItem } from './bep44.ts'
import type { FeedAddress } from './feed-magnet.ts'

export type { default as Dht } from 'bittorrent-dht'

/** How long one lookup or put may take before it counts as failed. */
export const DHT_OPERATION_TIMEOUT_MS = 20_000

/** The `verify` every Vouch DHT node is built with: synchronous, false (never a throw) on junk. */
export function verifyForDht(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verifyBytes(signature, message, publicKey)
  } catch {
    return false
  }
}

export interface DhtNodeOptions {
  /**
   * HOST:PORT of nodes to join through; empty for the first node of a loopback DHT; undefined for
   * the public Mainline routers.
   */
  bootstrap?: readonly string[] | undefined
  host?: string
  port?: number
}

/** A standalone DHT node (for commands that run no engine), listening and bootstrapped. */
export async function openDhtNode(options: DhtNodeOptions): Promise<DHT> {
  const dht = new DHT({
    ...(options.bootstrap
      ? { bootstrap: options.bootstrap.length > 0 ? [...options.bootstrap] : false }
      : {}),
    verify: verifyForDht,
    ...(options.host ? { host: options.host } : {}),
  })
  await new Promise<void>((resolve, reject) => {
    dht.once('error', reject)
    dht.listen(options.port ?? 0, options.host, () => {
      dht.off('error', reject)
      resolve()
    })
  })
  if (options.bootstrap?.length !== 0) await whenReady(dht)
  return dht
}

/** Wait (bounded) for the DHT's first bootstrap to finish. */
export function whenReady(dht: DHT, timeoutMs = DHT_OPERATION_TIMEOUT_MS): Promise<void> {
  if (dht.ready) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    dht.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

export function closeDht(dht: DHT): Promise<void> {
  return new Promise((resolve) => (dht.destroyed ? resolve() : dht.destroy(() => resolve())))
}

/** One node's answer to a `get`, as it came. */
export interface DhtAnswer {
  from: string
  item: MutableItem
  /** The salt the node put in its answer, if it did (BEP 44 says it should not). */
  answeredSalt?: Uint8Array
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

function withDeadline<T>(run: (done: (value: T) => void, fail: (error: Error) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new VouchError('network', 'the DHT did not answer in time')),
      DHT_OPERATION_TIMEOUT_MS,
    )
    run(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * Every mutable item the DHT returns for the feed, unjudged: the caller checks each one. Never
 * answered from a cache. `visited` is how many nodes were asked.
 */
export function lookupItems(dht: DHT, feed: FeedAddress): Promise<{ answers: DhtAnswer[]; visited: number }> {
  const target = Buffer.from(mutableTarget(feed.publicKey, feed.salt))
  const answers: DhtAnswer[] = []
  const onreply = (message: { r?: Record<string, unknown> }, node: DhtPeer): boolean => {
    const reply = message.r
    if (!reply || reply.v === undefined) return true
    const { k, sig, seq, salt } = reply
    if (!isBytes(k) || !isBytes(sig) || typeof seq !== 'number') return true
    let value: Uint8Array
    try {
      value = bencode.encode(reply.v)
    } catch {
      return true
    }
    answers.push({
      from: `${node.host ?? node.address ?? '?'}:${node.port}`,
      item: { publicKey: new Uint8Array(k), salt: feed.salt, seq, value, signature: new Uint8Array(sig) },
      ...(isBytes(salt) ? { answeredSalt: new Uint8Array(salt) } : {}),
    })
    return true
  }
  return withDeadline((done, fail) =>
    dht._closest(target, { q: 'get', a: { id: dht._rpc.id, target } }, onreply, (error, visited) =>
      error
        ? fail(new VouchError('network', `DHT lookup failed: ${error.message}`))
        : done({ answers, visited: visited ?? 0 }),
    ),
  )
}

/**
 * Put a signed item (ours, or one a follower keeps alive: only the signature is needed, not the
 * key). Resolves with how many nodes stored it.
 */
export function putItem(dht: DHT, item: MutableItem): Promise<number> {
  const decoded = bencode.decode(item.value)
  if (!sameBytes(bencode.encode(decoded), item.value))
    throw new VouchError('bad-input', 'the item value is not canonical bencode')
  return withDeadline((done, fail) => {
    dht.put(
      {
        k: Buffer.from(item.publicKey),
        seq: item.seq,
        v: decoded,
        sig: Buffer.from(item.signature),
        ...(item.salt.length > 0 ? { salt: Buffer.from(item.salt) } : {}),
      },
      (error, _target, stored) =>
        error ? fail(new VouchError('network', `DHT put failed: ${error.message}`)) : done(stored ?? 0),
    )
  })
}
