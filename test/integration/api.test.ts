/**
 * The API service over a real engine (provenance gate, defence, reputation store, exactly as
 * `vouch serve` and the desktop app open it) on loopback swarms: what the UI sends through the
 * dispatcher reaches the feature modules, and what they decide comes back as contract events.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { formatSidecar, magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { formatSecretKeyFile, generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { verifyReport } from '../../src/reputation/report-signature.ts'
import { adversary, behaviours } from '../kit/adversaries.ts'
import { openApi } from '../kit/api.ts'
import { misnamedEnvelope } from '../kit/provenance.ts'
import { Swarm, whenDone, wireFrom, withTimeout } from '../kit/swarm.ts'

const base64 = (text: string) => Buffer.from(text).toString('base64')

describe('the API service over a real engine', () => {
  let swarm: Swarm
  afterEach(async () => {
    await swarm.close()
  })

  it('imports a blocklist sent as bytes: open connections to listed addresses close at once, malformed lines are counted', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const peer = await swarm.emptyPeer(payload)
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      downloadDir: await swarm.tempDir(),
      peers: [peer.address],
      remember: false,
    })
    const wire = await wireFrom(torrent, peer.host)
    // The API counts connections from the engine's peer events; wait until it has seen this one.
    await expect
      .poll(async () => (await api.call('peers.list', {})).find((p) => p.address === peer.host)?.connections)
      .toBeGreaterThan(0)
    const closed = new Promise<void>((resolve) => wire.once('close', () => resolve()))

    const list = `# test list\nbad peers:${peer.host}-${peer.host}\nthis is not an entry\n10.9.8.0/24\n`
    const started = Date.now()
    // The test's peers live on 127/8, which an import refuses without force.
    const result = await api.call('bans.import', {
      fileName: 'list.p2p',
      contentBase64: base64(list),
      force: true,
    })
    await withTimeout(closed, 2_000, 'the listed peer to be disconnected')
    expect(Date.now() - started).toBeLessThan(1_000)

    expect(result).toMatchObject({ imported: 2, alreadyBanned: 0, malformedLines: 1, connectionsClosed: 1 })
    expect(result.malformed).toEqual([expect.objectContaining({ line: 3, text: 'this is not an entry' })])
    expect(torrent.wires.some((w) => w.remoteAddress === peer.host && !w.destroyed)).toBe(false)
    await api.nextEvent('bans.changed', 1_000)
    const bans = await api.call('bans.list', {})
    expect(bans.map((ban) => [ban.address, ban.source])).toEqual([
      [peer.host, 'imported'],
      ['10.9.8.0', 'imported'],
    ])

    const again = await api.call('bans.import', {
      fileName: 'list.p2p',
      contentBase64: base64(list),
      force: true,
    })
    expect(again).toMatchObject({ imported: 0, alreadyBanned: 2, connectionsClosed: 0 })
    const garbage = await api.backend.service.dispatcher.dispatch({
      command: 'bans.import',
      args: { fileName: 'junk.txt', contentBase64: base64('nothing here\nnor here\n') },
    })
    expect(garbage).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })

  it('refuses blocklist entries that would ban everything or this machine unless forced, names the ban on a requested peer, and lifts the covering range', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const list = 'all:0.0.0.0-255.255.255.255\nloop:127.0.0.0-127.255.255.255\n::/0\n192.0.2.9\n'
    const result = await api.call('bans.import', { fileName: 'wide.p2p', contentBase64: base64(list) })
    expect(result).toMatchObject({ imported: 1, refusedCount: 3 })
    expect(result.refused.map((entry) => [entry.label, entry.reason])).toEqual([
      ['all', 'too-wide'],
      ['loop', 'loopback'],
      ['', 'too-wide'],
    ])
    const forced = await api.call('bans.import', {
      fileName: 'wide.p2p',
      contentBase64: base64('loop:127.0.0.0-127.255.255.255\n'),
      force: true,
    })
    expect(forced).toMatchObject({ imported: 1, refusedCount: 0 })

    const payload = await swarm.payload({ bytes: 64 * 1024 })
    const seeder = await swarm.seeder(payload)
    await api.call('torrents.addFile', {
      fileName: 'p.torrent',
      contentBase64: Buffer.from(payload.torrentFile).toString('base64'),
      peers: [seeder.address],
      allowUnsigned: true,
    })
    const notice = await api.nextEvent('notice', 5_000)
    expect(notice.message).toContain(`peer ${seeder.address} will not be contacted`)
    expect(notice.message).toContain('banned by 127.0.0.0-127.255.255.255 (imported: loop)')

    const lifted = await api.call('bans.lift', { address: seeder.host })
    expect(lifted).toEqual({ lifted: 1, ranges: ['127.0.0.0-127.255.255.255 (imported: loop)'] })
    expect((await api.call('bans.list', {})).map((ban) => ban.address)).toEqual(['192.0.2.9'])
  })

  it('bans an address by hand: its open connection closes at once, the ban is manual and audited', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024 })
    const peer = await swarm.emptyPeer(payload)
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      downloadDir: await swarm.tempDir(),
      peers: [peer.address],
      remember: false,
    })
    const wire = await wireFrom(torrent, peer.host)
    const closed = new Promise<void>((resolve) => wire.once('close', () => resolve()))
    const ban = await api.call('bans.create', { address: peer.host, reason: 'leeches and never seeds' })
    await withTimeout(closed, 2_000, 'the banned peer to be disconnected')
    expect(ban).toMatchObject({
      address: peer.host,
      reason: 'manual',
      source: 'manual',
      note: 'leeches and never seeds',
      expiresAt: null,
    })
    expect((await api.call('bans.list', {})).map((b) => [b.address, b.source])).toEqual([
      [peer.host, 'manual'],
    ])
    api.backend.reputation.store.flush()
    const audited = [...auditRows(api.backend.reputation.store.database)].map((row) => [
      row.type,
      row.subject,
    ])
    expect(audited).toContainEqual(['ban.created', peer.host])

    // The audit screen reads the same log, newest first, a page at a time, filtered by kind.
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await api.call('bans.create', { address })
    const first = await api.call('audit.list', { kind: 'ban.created', limit: 3 })
    expect(first.entries.map((entry) => entry.subject)).toEqual(['192.0.2.3', '192.0.2.2', '192.0.2.1'])
    expect(first.entries[0]).toMatchObject({ kind: 'ban.created', summary: 'ban created 192.0.2.3 (manual)' })
    expect(first.nextBefore).toBe(first.entries[2]?.seq)
    const second = await api.call('audit.list', {
      kind: 'ban.created',
      limit: 3,
      before: first.nextBefore ?? 0,
    })
    expect(second).toMatchObject({ entries: [{ subject: peer.host }], nextBefore: null })
    const all = await api.call('audit.list', {})
    expect(all.entries.length).toBeGreaterThanOrEqual(4)
    expect(all.entries.map((entry) => entry.seq)).toEqual(
      [...all.entries.map((entry) => entry.seq)].sort((a, b) => b - a),
    )

    for (const address of ['not-an-address', '10.0.0.0/8', '999.1.1.1']) {
      const refused = await api.backend.service.dispatcher.dispatch({
        command: 'bans.create',
        args: { address },
      })
      expect(refused, address).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    }
  })

  it('names the torrent in a poisoner’s ban, and counts its bad bytes', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'poisoned-release.bin' })
    const honest = await swarm.seeder(payload)
    const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
    const api = await openApi(swarm)
    const torrent = await api.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      downloadDir: await swarm.tempDir(),
      peers: [poisoner.address, honest.address],
      remember: false,
    })
    const ban = await api.nextEvent('ban.created')
    expect(ban).toMatchObject({ address: poisoner.host, torrentName: 'poisoned-release.bin' })
    expect((await api.call('bans.list', {}))[0]).toMatchObject({ torrentName: 'poisoned-release.bin' })
    await whenDone(torrent)
    const row = (await api.call('peers.list', {})).find((peer) => peer.address === poisoner.host)
    // The evidence proved at least one 16 KiB block (a whole 32 KiB piece when it sent it alone).
    expect(row).toMatchObject({ banned: true, piecesBad: 1 })
    expect(row?.bytesBad).toBeGreaterThanOrEqual(16 * 1024)
  })

  it('signs a ban report with a key file sent as bytes, and keeps nothing of the key', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    await api.call('bans.import', { fileName: 'one.txt', contentBase64: base64('192.0.2.7\n') })
    const key = generateKey()
    const keyFile = formatSecretKeyFile(key)
    for (const format of ['json', 'csv', 'p2p', 'dat'] as const) {
      const report = await api.call('bans.export', {
        format,
        signingKey: { fileName: 'me.key', contentBase64: base64(keyFile) },
      })
      expect(report.signedBy, format).toBe(key.fingerprint)
      expect(verifyReport(report.text, key.publicKey), format).toMatchObject({ ok: true, format })
    }
    const unsigned = await api.call('bans.export', { format: 'p2p' })
    expect(unsigned.signedBy).toBeNull()
    expect(verifyReport(unsigned.text, key.publicKey)).toMatchObject({ ok: false, problem: 'unsigned' })

    const wrong = await api.backend.service.dispatcher.dispatch({
      command: 'bans.export',
      args: { format: 'p2p', signingKey: { fileName: 'me.pub', contentBase64: base64('not a key') } },
    })
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad-input' } })

    // Nothing under the data directory holds the secret key's text.
    api.backend.reputation.store.flush()
    const home = api.backend.engine.paths.home
    const secret = keyFile.trim().split(/\s+/).at(-1) ?? ''
    for (const name of await readdir(home, { recursive: true })) {
      const file = path.join(home, name)
      const bytes = await readFile(file).catch(() => null)
      if (bytes) expect(bytes.includes(secret), file).toBe(false)
    }
  })

  it('carries the gate’s reason code and the publisher’s key to the UI when a magnet is refused on metadata', async () => {
    swarm = new Swarm()
    const publisher = generateKey()
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'real-name.bin' })
    const seeder = await swarm.seeder(payload)
    const api = await openApi(swarm)
    await api.backend.trust.pin(publisher, { name: 'Example Releases' })
    // A pinned publisher's valid signature over the right infohash but another name.
    const { facts, envelope } = misnamedEnvelope(payload.torrentFile, publisher, 'claimed-name.bin')
    const added = await api.call('torrents.add', {
      source: magnetWithEnvelopes({ infoHash: facts.infoHash, name: 'claimed-name.bin' }, [envelope]),
      peers: [seeder.address],
    })
    expect(added).toMatchObject({ status: 'added' })

    const refusal = await api.nextEvent('torrent.refused')
    expect(refusal).toMatchObject({
      code: 'mismatch',
      infoHash: facts.infoHash,
      source: 'claimed-name.bin',
      publisher: { fingerprint: publisher.fingerprint, name: 'Example Releases' },
    })
    expect(refusal.publisher?.publicKey).toMatch(/^vouch-ed25519 /)
    expect(refusal.reason).toContain('claimed-name.bin')
    expect(seeder.requestsReceived).toBe(0)
    // Destroyed by the gate: gone from the list the UI shows and from the list a restart resumes.
    expect(
      api.events.some((m) => m.event === 'torrent.removed' && m.payload.infoHash === facts.infoHash),
    ).toBe(true)
    expect(await api.call('torrents.list', {})).toEqual([])
    expect(api.backend.engine.remembered()).toEqual([])
  })

  it('releases a held magnet when the user offers an accepted envelope, and keeps it held otherwise', async () => {
    swarm = new Swarm()
    const publisher = generateKey()
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'held-release.bin' })
    const seeder = await swarm.seeder(payload)
    const signed = signTorrent(payload.torrentFile, publisher)
    const api = await openApi(swarm)
    await api.backend.trust.pin(publisher, { name: 'Example Releases' })

    const metadata = api.backend.engine.events.waitFor(
      'metadata',
      (e) => e.infoHash === signed.infoHash,
      20_000,
    )
    expect(
      await api.call('torrents.add', {
        source: `magnet:?xt=urn:btih:${signed.infoHash}`,
        peers: [seeder.address],
      }),
    ).toMatchObject({ status: 'added' })
    await metadata
    const held = (await api.call('torrents.list', {}))[0]
    expect(held?.provenance).toEqual({ status: 'held', waitingFor: 'signature' })

    const malformed = await api.backend.service.dispatcher.dispatch({
      command: 'torrents.offerEnvelope',
      args: { infoHash: signed.infoHash, text: 'not an envelope!' },
    })
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad-input' } })
    const stranger = signTorrent(payload.torrentFile, generateKey()).envelope
    const refused = await api.call('torrents.offerEnvelope', {
      infoHash: signed.infoHash,
      text: formatSidecar([stranger]),
    })
    expect(refused).toMatchObject({ status: 'refused', refusal: { code: 'unknown-publisher' } })
    expect(seeder.requestsReceived).toBe(0)

    const accepted = await api.call('torrents.offerEnvelope', {
      infoHash: signed.infoHash,
      text: formatSidecar([signed.envelope]),
    })
    expect(accepted).toEqual({
      status: 'accepted',
      infoHash: signed.infoHash,
      publishers: [{ name: 'Example Releases', fingerprint: publisher.fingerprint }],
    })
    const torrent = await api.backend.engine.client.get(signed.infoHash)
    if (!torrent) throw new Error('the torrent is gone')
    await whenDone(torrent)
    const list = await api.call('torrents.list', {})
    expect(list[0]?.provenance).toMatchObject({ status: 'signed' })
    const { downloadDir } = await api.call('app.info', {})
    expect((await readFile(path.join(downloadDir, 'held-release.bin'))).equals(payload.bytes)).toBe(true)
  })
})
