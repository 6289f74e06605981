/**
 * Adds of one torrent made at the same time (a double click, the same magnet twice from a script,
 * two racing API calls) answer what sequential adds answer: the first adds it, the others get the
 * torrent already in the list (a duplicate); refused ones are refused each, and WebTorrent is never
 * handed the same infohash twice. Before, the second add hit WebTorrent's "Cannot add duplicate
 * torrent": a destroyed torrent came back and an error row stayed in the list.
 */
import { readdir } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { Torrent } from 'webtorrent'
import { MemoryAuditSink } from '../../src/audit.ts'
import type { Engine } from '../../src/engine/engine.ts'
import { parseTorrentBytes } from '../../src/engine/source.ts'
import { isVouchError } from '../../src/errors.ts'
import { RpcMethods } from '../../src/server/transmission/methods.ts'
import { openApi } from '../kit/api.ts'
import { Swarm, withTimeout } from '../kit/swarm.ts'

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

/** Every add settled, in call order; bounded so a hanging add fails the test. */
function settleAll<T>(adds: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return withTimeout(Promise.allSettled(adds), 20_000, 'the concurrent adds to settle')
}

/** The engine errors seen while `run` runs (a duplicate add reached WebTorrent: one of these). */
async function engineErrors(engine: Engine, run: () => Promise<void>): Promise<string[]> {
  const errors: string[] = []
  const off = engine.events.on('error', (event) => errors.push(event.message))
  try {
    await run()
  } finally {
    off()
  }
  return errors
}

function refusalOf(result: PromiseSettledResult<unknown> | undefined) {
  if (result?.status !== 'rejected' || !isVouchError(result.reason)) {
    throw new Error(`expected a refusal, got ${JSON.stringify(result)}`)
  }
  return result.reason
}

describe('concurrent adds of one torrent', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('engine: a .torrent, its magnet and its infohash added at once make one torrent; the later adds get it', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const engine = await swarm.engine({ downloadDir: await swarm.tempDir('vouch-out-') })
    const { infoHash } = await parseTorrentBytes(payload.torrentFile)
    let results: PromiseSettledResult<Torrent>[] = []
    const errors = await engineErrors(engine, async () => {
      results = await settleAll([
        engine.add(payload.torrentPath),
        engine.add(payload.torrentPath),
        engine.add(`magnet:?xt=urn:btih:${infoHash}`),
        engine.add(infoHash),
      ])
      // WebTorrent destroys a duplicate a tick after client.add: give it the time to show.
      await new Promise((resolve) => setTimeout(resolve, 300))
    })

    const torrents = results.map((result) => {
      if (result.status === 'rejected') throw result.reason
      return result.value
    })
    const torrent = torrents[0]
    expect(torrents.filter((other) => other !== torrent)).toEqual([])
    expect(torrent?.destroyed).toBe(false)
    expect(engine.client.torrents).toEqual([torrent])
    expect(engine.stats()).toEqual([expect.objectContaining({ infoHash, error: null })])
    expect(engine.remembered().map((entry) => entry.infoHash)).toEqual([infoHash])
    expect(errors).toEqual([])
    // The same as a sequential add made afterwards.
    expect(await engine.addOutcome(payload.torrentPath)).toEqual({ torrent, existing: true })
  })

  it('engine with the gate: an unsigned torrent added twice at once is refused twice, nothing reaches WebTorrent', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const audit = new MemoryAuditSink()
    const out = await swarm.tempDir('vouch-out-')
    const engine = await swarm.gatedEngine({ downloadDir: out, audit })
    const results = await settleAll([engine.add(payload.torrentPath), engine.add(payload.torrentPath)])

    for (const result of results) {
      expect(refusalOf(result)).toMatchObject({ code: 'refused', details: { reason: 'unsigned' } })
    }
    expect(engine.client.torrents).toHaveLength(0)
    expect(engine.stats()).toEqual([])
    expect(engine.remembered()).toEqual([])
    expect(await readdir(out)).toEqual([])
    expect(audit.events.map((event) => event.type)).toEqual(['provenance.refused', 'provenance.refused'])
  })

  it('engine with the gate: a refused add between two allowed ones leaves one torrent, as in sequence', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const engine = await swarm.gatedEngine({ downloadDir: await swarm.tempDir('vouch-out-') })
    let results: PromiseSettledResult<Torrent>[] = []
    const errors = await engineErrors(engine, async () => {
      results = await settleAll([
        engine.add(payload.torrentPath, { allowUnsigned: true }),
        engine.add(payload.torrentPath),
        engine.add(payload.torrentPath, { allowUnsigned: true }),
      ])
      await new Promise((resolve) => setTimeout(resolve, 300))
    })

    expect(refusalOf(results[1])).toMatchObject({ code: 'refused', details: { reason: 'unsigned' } })
    const [first, , last] = results.map((result) => (result.status === 'fulfilled' ? result.value : null))
    expect(first).toBe(last)
    expect(first?.destroyed).toBe(false)
    expect(engine.client.torrents).toEqual([first])
    expect(engine.stats()).toEqual([expect.objectContaining({ error: null })])
    expect(errors).toEqual([])
  })

  it('API and Transmission RPC: the second of two adds at once answers duplicate, as a sequential one does', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'raced.bin' })
    const api = await openApi(swarm, { downloadDir: await swarm.tempDir('vouch-out-') })
    const engine = api.backend.engine
    const { infoHash } = await parseTorrentBytes(payload.torrentFile)

    // torrents.add, the same magnet twice (the gate holds it, waiting for an envelope).
    const magnet = `magnet:?xt=urn:btih:${infoHash}&dn=raced.bin`
    const magnets = await settleAll([
      api.call('torrents.add', { source: magnet }),
      api.call('torrents.add', { source: magnet }),
    ])
    const answers = magnets.map((result) => (result.status === 'fulfilled' ? result.value : result.reason))
    expect(answers).toHaveLength(2)
    expect(answers).toEqual(
      expect.arrayContaining([
        { status: 'added', infoHash, name: 'raced.bin', duplicate: false },
        { status: 'added', infoHash, name: 'raced.bin', duplicate: true },
      ]),
    )
    expect(engine.client.torrents).toHaveLength(1)
    await api.call('torrents.remove', { infoHash })

    // torrents.addFile, the same bytes twice (the web UI's drop zone).
    const file = {
      fileName: 'raced.torrent',
      contentBase64: base64(payload.torrentFile),
      allowUnsigned: true,
    }
    const files = await settleAll([api.call('torrents.addFile', file), api.call('torrents.addFile', file)])
    expect(files.map((result) => result.status === 'fulfilled' && result.value)).toEqual(
      expect.arrayContaining([
        { status: 'added', infoHash, name: 'raced.bin', duplicate: false },
        { status: 'added', infoHash, name: 'raced.bin', duplicate: true },
      ]),
    )
    expect(engine.client.torrents).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const listed = (await api.call('torrents.list', {})).filter((view) => view.infoHash === infoHash)
    expect(listed).toEqual([expect.objectContaining({ error: null })])
    await api.call('torrents.remove', { infoHash })

    // Transmission's torrent-add of the magnet, twice at once: torrent-added and torrent-duplicate.
    const rpc = new RpcMethods({
      service: api.backend.service,
      version: 'test',
      home: engine.paths.home,
      peerPort: () => engine.port,
      activeBans: () => 0,
      startedAt: Date.now(),
    })
    swarm.defer(async () => rpc.close())
    const torrentAdd = rpc.methods()['torrent-add']
    if (!torrentAdd) throw new Error('no torrent-add method')
    const rpcResults = await settleAll([torrentAdd({ filename: magnet }), torrentAdd({ filename: magnet })])
    const keys = rpcResults.map((result) =>
      result.status === 'fulfilled' ? Object.keys(result.value) : result,
    )
    expect(keys.sort()).toEqual([['torrent-added'], ['torrent-duplicate']])
    expect(engine.client.torrents).toHaveLength(1)
  })
})
