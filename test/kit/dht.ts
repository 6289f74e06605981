/**
 * A loopback Mainline DHT: plain bittorrent-dht nodes, each on its own 127.0.0.x address,
 * bootstrapped only from each other, so no packet leaves the machine. Commands join it with
 * `--dht-bootstrap HOST:PORT` (`dht.bootstrapFlags`). A hostile node answers every `get` with an
 * item the test crafts (an older seq, a bad signature, an oversized v, another feed's salt).
 */
import type DHT from 'bittorrent-dht'
import type { DhtPeer, KrpcMessage } from 'bittorrent-dht'
import { closeDht, openDhtNode } from '../../src/feeds/dht.ts'
import type { MutableItem } from '../../src/feeds/bep44.ts'
import bencode from 'bencode'
import { nextLoopbackAddress } from './swarm.ts'

/** What a hostile node returns for a `get`: an item, optionally naming a salt in its answer. */
export interface HostileAnswer {
  item: MutableItem
  /** Put `salt` in the answer (BEP 44 answers carry none). */
  salt?: Uint8Array
  /** Send this `v` instead of the item's own bytes (for an oversized value). */
  rawValue?: unknown
}

export class LoopbackDht {
  readonly nodes: DHT[] = []

  /** HOST:PORT of every node started so far. */
  get bootstrap(): string[] {
    return this.nodes.map((node) => `${node.address().address}:${node.address().port}`)
  }

  /** `--dht-bootstrap` for each node, for a `vouch` command line. */
  get bootstrapFlags(): string[] {
    return this.bootstrap.flatMap((address) => ['--dht-bootstrap', address])
  }

  static async start(count = 4): Promise<LoopbackDht> {
    const dht = new LoopbackDht()
    for (let index = 0; index < count; index++) await dht.addNode()
    return dht
  }

  async addNode(): Promise<DHT> {
    const node = await openDhtNode({ bootstrap: this.bootstrap, host: nextLoopbackAddress() })
    this.nodes.push(node)
    return node
  }

  /**
   * A node that answers every `get` with `answer()` (read at each query, so a test can change
   * it), and otherwise behaves like any other node.
   */
  async addHostile(answer: () => HostileAnswer | null): Promise<DHT> {
    const node = await this.addNode()
    const honest = node._onget.bind(node)
    node._onget = (query: KrpcMessage, peer: DhtPeer) => {
      const crafted = answer()
      if (!crafted) return honest(query, peer)
      const { item } = crafted
      node._rpc.response(peer, query, {
        id: node._rpc.id,
        token: Buffer.alloc(4),
        k: Buffer.from(item.publicKey),
        seq: item.seq,
        sig: Buffer.from(item.signature),
        v: crafted.rawValue ?? bencode.decode(item.value),
        ...(crafted.salt ? { salt: Buffer.from(crafted.salt) } : {}),
      })
    }
    return node
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map(closeDht))
  }
}
