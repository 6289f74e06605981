import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { provenanceOf } from '../../src/engine/create-engine.ts'
import { holdBackSources } from '../../src/provenance/held-sources.ts'
import { generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { nextLoopbackAddress, Swarm, whenDone, withTimeout } from '../kit/swarm.ts'

/** A web server of the magnet's author on its own 127.0.0.x, counting every request it gets. */
async function countingServer(swarm: Swarm): Promise<{ base: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(request.url ?? '')
    response.writeHead(404)
    response.end()
  })
  const host = nextLoopbackAddress()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  swarm.defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { base: `http://${host}:${(server.address() as AddressInfo).port}`, requests }
}

describe('a held magnet reaches only the swarm until it is approved', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('fetches nothing named in xs, as or ws while held, and adds the web seeds once approved', async () => {
    swarm = new Swarm()
    const publisher = generateKey()
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'held.bin' })
    const seeder = await swarm.seeder(payload)
    const signed = signTorrent(payload.torrentFile, publisher, { sequence: 1 })
    const home = await swarm.tempDir('vouch-home-')
    await TrustStore.forHome(home).pin(publisher, { name: 'Publisher' })
    const engine = await swarm.gatedEngine({ home })
    const web = await countingServer(swarm)
    const webSeed = `${web.base}/ws/`
    const magnet =
      `magnet:?xt=urn:btih:${signed.infoHash}&dn=held.bin` +
      `&xs=${encodeURIComponent(`${web.base}/xs/held.torrent`)}` +
      `&as=${encodeURIComponent(`${web.base}/as/held.bin`)}&ws=${encodeURIComponent(webSeed)}`

    const metadata = engine.events.waitFor('metadata', (event) => event.infoHash === signed.infoHash, 20_000)
    const torrent = await engine.add(magnet, {
      downloadDir: await swarm.tempDir('vouch-out-'),
      peers: [seeder.address],
      remember: false,
    })
    await metadata
    // Give WebTorrent every chance to reach out (it fetches xs at once, web seeds at metadata).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(provenanceOf(engine)?.stateOf(signed.infoHash)).toBe('awaiting-envelope')
    expect(web.requests, 'requests to the magnet’s URLs while held').toEqual([])

    const offered = await provenanceOf(engine)!.offerEnvelopes(signed.infoHash, [
      { ok: true, envelope: signed.envelope, carrier: 'test' },
    ])
    expect(offered).toMatchObject({ accepted: true })
    const peers = (torrent as unknown as { _peers: Map<string, unknown> })._peers
    expect(peers.has(webSeed), 'the ws web seed, added on approval').toBe(true)
    expect(peers.has(`${web.base}/as/held.bin`), 'the as web seed, added on approval').toBe(true)
    await withTimeout(whenDone(torrent), 30_000, 'download after approval')
    expect(
      web.requests.filter((url) => url.startsWith('/xs/')),
      'xs is never needed once approved',
    ).toEqual([])
  })

  it('holdBackSources keeps the swarm parameters and returns the http web seeds', () => {
    expect(
      holdBackSources(
        'magnet:?xt=urn:btih:aa&tr=http%3A%2F%2Ft.example%2Fa&xs=http%3A%2F%2Fx.example%2Ft&ws=http%3A%2F%2Fw.example%2F&as=ftp%3A%2F%2Fa.example&x.pe=1.2.3.4%3A5&xs.1=http%3A%2F%2Fy',
      ),
    ).toEqual({
      magnet: 'magnet:?xt=urn:btih:aa&tr=http%3A%2F%2Ft.example%2Fa&x.pe=1.2.3.4%3A5',
      webSeeds: ['http://w.example/'],
    })
  })
})
