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
 * LSD, against a real `vouch serve` started with LSD off in its settings: `{ lsd: true }` binds
 * every torrent's LSD socket (port 6771 is taken) and a BEP 14 announce naming a seeder, sent to it
 * over loopback, brings the download from that seeder; `{ lsd: false }` closes the socket. Turning
 * LSD on also sends the serve's own announce to the BEP 14 multicast group (TTL 1, the local link).
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
import { startServe } from '../kit/serve.ts'
import { Swarm } from '../kit/swarm.ts'
import { whenReady, type Dht } from '../../src/feeds/dht.ts'

/** BEP 14's port. */
const LSD_PORT = 6771

interface Received {
  query: string
  infoHash: string | null
  from: { address: string; port: number }
}

const text = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString() : String(value))

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

  it('binds every torrent’s LSD socket when LSD is switched on, finds a peer it announces, and closes it when off', async () => {
    swarm = new Swarm()
    expect(await udpPortFree(LSD_PORT), 'nothing else on this machine listens for LSD').toBe(true)
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'found-on-lsd.bin' })
    const seeder = await swarm.seeder(payload)
    const home = await swarm.tempDir('vouch-home-')
    await writeFile(path.join(home, SETTINGS_FILE), JSON.stringify({ lsd: false }))
    const serve = await startServe(swarm, home, [], ['--no-dht', '--no-nat', '--no-tracker'])
    const added = await serve.api.call('torrents.addFile', {
      fileName: 'found-on-lsd.torrent',
      contentBase64: (await readFile(payload.torrentPath)).toString('base64'),
      allowUnsigned: true,
    })
    if (added.status !== 'added') throw new Error(`the torrent was not added: ${added.status}`)
    expect(await udpPortFree(LSD_PORT), 'no LSD socket while LSD is off').toBe(true)

    expect((await serve.api.call('settings.set', { lsd: true })).lsd).toBe(true)
    await until('the torrent listens for LSD', 10_000, async () => !(await udpPortFree(LSD_PORT)))
    // A neighbour's BEP 14 announce for the torrent, naming the seeder's port (sent until heard).
    const announce = [
      'BT-SEARCH * HTTP/1.1',
      `Host: 239.192.152.143:${LSD_PORT}`,
      `Port: ${seeder.port}`,
      `Infohash: ${added.infoHash}`,
      `cookie: neighbour-${randomBytes(4).toString('hex')}`,
      '',
      '',
      '',
    ].join('\r\n')
    const sender = dgram.createSocket('udp4')
    swarm.defer(() => new Promise<void>((resolve) => sender.close(() => resolve())))
    await until('the download from the peer announced on LSD', 30_000, async () => {
      sender.send(announce, LSD_PORT, '127.0.0.1')
      const torrents = await serve.api.call('torrents.list', {})
      return torrents.some((torrent) => torrent.infoHash === added.infoHash && torrent.state === 'seeding')
    })

    expect((await serve.api.call('settings.set', { lsd: false })).lsd).toBe(false)
    await until('the LSD socket is closed', 10_000, () => udpPortFree(LSD_PORT))
  }, 60_000)
})
