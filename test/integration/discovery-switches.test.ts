/**
 * The DHT and LSD switches applied at once.
 *
 * The DHT, against a real `vouch serve` on a loopback DHT (test/kit/dht.ts):
 * started with the DHT off in its settings, the serve sends no DHT packet; `settings.set { dht:
 * true }` starts its node, which joins the loopback DHT (the status bar counts its nodes),
 * announces the torrent it already had and finds that torrent's only seeder through it (the seeder
 * is on the DHT alone, so the download proves the lookup); `{ dht: false }` closes its UDP socket
 * (the port can be bound again) and the node count drops to 0.
 *
 * LSD, in-process: switching it on gives every torrent a bittorrent-lsd object
 * that announces the torrent to the BEP 14 group (heard by a neighbour socket; the announce is
 * kept on the loopback interface) and a neighbour's announce naming a seeder brings the download
 * from it; `{ lsd: false }` drops the object and closes its socket (port 6771 free again).
 */
import dgram from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SETTINGS_FILE } from '../../src/api/settings-store.ts'
import { LoopbackDht } from '../kit/dht.ts'
import { NO_DISCOVERY_BUT_DHT } from '../kit/feeds.ts'
import { until } from '../kit/poll.ts'
import { openApi } from '../kit/api.ts'
import { startServe } from '../kit/serve.ts'
import { Swarm } from '../kit/swarm.ts'
import { whenReady, type Dht } from '../../src/feeds/dht.ts'

/** BEP 14's multicast group and port. */
const LSD_GROUP = '239.192.152.143'
const LSD_PORT = 6771

/** bittorrent-lsd's object, as a torrent's discovery holds it. */
interface LsdObject {
  server: dgram.Socket
}

interface Received {
  query: string
  infoHash: string | null
  from: { address: string; port: number }
}

const text = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString() : String(value))

/**
 * Keep a multicast socket on the loopback interface: it joins groups there (no IGMP report on the
 * LAN) and sends there (set before its first send, queued until it is bound, goes out).
 */
function keepOnLoopback(socket: dgram.Socket): void {
  const join = socket.addMembership.bind(socket)
  socket.addMembership = (group: string) => join(group, '127.0.0.1')
  socket.prependListener('listening', () => socket.setMulticastInterface('127.0.0.1'))
}

/** Whether a UDP socket can be bound on `port` (so nobody holds it). */
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind(port, () => socket.close(() => resolve(true)))
  })
}

describe('the discovery switches applied at once', () => {
  let swarm: Swarm
  let dht: LoopbackDht | undefined
  afterEach(async () => {
    await swarm.close()
    await dht?.close()
    dht = undefined
  })

  it('starts the node when switched on (an existing torrent is announced and downloads from a seeder found on the DHT) and closes it when switched off', async () => {
    swarm = new Swarm()
    dht = await LoopbackDht.start(3)
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'found-on-the-dht.bin' })
    const seeder = await swarm.seeder(payload, { client: { dht: { bootstrap: dht.bootstrap } } })
    const seederDht = (seeder.client as unknown as { dht: Dht }).dht
    await whenReady(seederDht)
    // Queries from anyone but the kit's nodes and the seeder: the serve's.
    const others = new Set([...dht.nodes, seederDht].map((node) => node.address().port))
    const received: Received[] = []
    for (const node of dht.nodes) {
      node._rpc.on('query', (query, from) => {
        if (others.has(from.port)) return
        const infoHash = query.a?.info_hash
        received.push({
          query: text(query.q),
          infoHash: infoHash instanceof Uint8Array ? Buffer.from(infoHash).toString('hex') : null,
          from,
        })
      })
    }
    const home = await swarm.tempDir('vouch-home-')
    await writeFile(path.join(home, SETTINGS_FILE), JSON.stringify({ dht: false }))
    const serve = await startServe(swarm, home, dht.bootstrapFlags, NO_DISCOVERY_BUT_DHT)
    const status = () => serve.api.call('app.status', {})
    const added = await serve.api.call('torrents.addFile', {
      fileName: 'found-on-the-dht.torrent',
      contentBase64: (await readFile(payload.torrentPath)).toString('base64'),
      allowUnsigned: true,
    })
    if (added.status !== 'added') throw new Error(`the torrent was not added: ${added.status}`)
    const infoHash = added.infoHash
    expect((await status()).dhtNodes).toBe(0)
    expect(received, 'no DHT packet with the DHT off').toEqual([])

    expect((await serve.api.call('settings.set', { dht: true })).dht).toBe(true)
    await until('the serve joins the loopback DHT', 20_000, async () => (await status()).dhtNodes > 0)
    // The torrent added while the DHT was off is looked up and announced through the new node.
    const announce = await until('the torrent is announced on the DHT', 20_000, async () =>
      received.find((entry) => entry.query === 'announce_peer' && entry.infoHash === infoHash),
    )
    await until('the download from the seeder found on the DHT', 30_000, async () =>
      (await serve.api.call('torrents.list', {})).some(
        (torrent) => torrent.infoHash === infoHash && torrent.state === 'seeding',
      ),
    )
    const servePort = announce.from.port
    expect(await udpPortFree(servePort), 'the node holds its UDP port').toBe(false)

    expect((await serve.api.call('settings.set', { dht: false })).dht).toBe(false)
    expect((await status()).dhtNodes).toBe(0)
    await until('the node closes its UDP socket', 10_000, () => udpPortFree(servePort))
    const afterOff = received.length

    // On again: a new node joins and announces; the serve stayed up throughout.
    await serve.api.call('settings.set', { dht: true })
    await until('the serve joins again', 20_000, async () => (await status()).dhtNodes > 0)
    await until('the torrent is announced again', 20_000, async () =>
      received
        .slice(afterOff)
        .some((entry) => entry.query === 'announce_peer' && entry.infoHash === infoHash),
    )
    expect((await serve.api.call('settings.get', {})).dht).toBe(true)
  }, 90_000)

  it('starts every torrent’s LSD when switched on (it announces the torrent, finds a peer announced to it) and stops it when off', async () => {
    swarm = new Swarm()
    expect(await udpPortFree(LSD_PORT), 'nothing else on this machine listens for LSD').toBe(true)
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'found-on-lsd.bin' })
    const seeder = await swarm.seeder(payload)
    // LSD off in the settings, not for the run (the kit's `lsd: false`), so settings.set applies it.
    const home = await swarm.tempDir('vouch-home-')
    await writeFile(path.join(home, SETTINGS_FILE), JSON.stringify({ lsd: false }))
    const api = await openApi(swarm, { home, lsd: undefined })
    const engine = api.backend.engine
    const torrent = await engine.add(payload.torrentPath, { allowUnsigned: true })
    const discovery = () => (torrent as unknown as { discovery: { lsd: LsdObject | null } }).discovery
    expect(discovery().lsd).toBeNull()
    // The neighbour: a socket in the BEP 14 group on the loopback interface.
    const neighbour = dgram.createSocket({ type: 'udp4', reuseAddr: true })
    const heard: string[] = []
    neighbour.on('message', (message) => heard.push(message.toString()))
    await new Promise<void>((resolve) => neighbour.bind(LSD_PORT, () => resolve()))
    neighbour.addMembership(LSD_GROUP, '127.0.0.1')
    const closeNeighbour = () => new Promise<void>((resolve) => neighbour.close(() => resolve()))

    // The engine's switch (settings.set calls it, after awaits of its own) builds each LSD object
    // synchronously, before its socket binds: its announce is kept on the loopback interface, so
    // no test packet leaves 127/8. Switching off goes through settings.set below.
    const switched = engine.setLsd(true)
    const lsd = discovery().lsd
    if (!lsd) throw new Error('setLsd(true) built no LSD object')
    keepOnLoopback(lsd.server)
    await switched
    await until('the torrent’s LSD announce', 10_000, async () =>
      heard.some(
        (text) => text.includes(`Infohash: ${torrent.infoHash}`) && text.includes(`Port: ${engine.port}`),
      ),
    )

    // A neighbour's announce for the torrent, naming the seeder's port (sent until heard).
    const announce = [
      'BT-SEARCH * HTTP/1.1',
      `Host: ${LSD_GROUP}:${LSD_PORT}`,
      `Port: ${seeder.port}`,
      `Infohash: ${torrent.infoHash}`,
      `cookie: neighbour-${randomBytes(4).toString('hex')}`,
      '',
      '',
      '',
    ].join('\r\n')
    await until('the download from the peer announced on LSD', 30_000, async () => {
      neighbour.send(announce, LSD_PORT, '127.0.0.1')
      return torrent.done
    })
    await closeNeighbour()

    expect((await api.call('settings.set', { lsd: false })).lsd).toBe(false)
    expect(discovery().lsd).toBeNull()
    await until('the LSD socket is closed', 10_000, () => udpPortFree(LSD_PORT))
  }, 60_000)
})
