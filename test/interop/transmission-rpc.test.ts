import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LineProcess } from '../kit/process.ts'
import { startServe, type ServeProcess } from '../kit/serve.ts'
import { Swarm, withTimeout } from '../kit/swarm.ts'
import { newPublisher, signedPayload } from '../e2e/publisher.ts'
import { describeWith, transmission } from './clients.ts'

interface RemoteResult {
  code: number | null
  output: string
}

/** Debian's transmission-remote, asynchronously (the seeders live in this process). */
async function remote(port: number, auth: string, ...args: string[]): Promise<RemoteResult> {
  const process = new LineProcess('transmission-remote', [`127.0.0.1:${port}`, '--auth', auth, ...args])
  const exit = await withTimeout(process.exited, 20_000, `transmission-remote ${args.join(' ')}`)
  return { code: exit.code, output: `${process.lines.join('\n')}\n${process.stderr}` }
}

/** The `-l` rows (no header, no Sum line). */
function listed(result: RemoteResult): string[] {
  return result.output
    .split('\n')
    .filter((line) => /^\s+\d+\*?\s/.test(line))
    .map((line) => line.trim())
}

/** One RPC call as a remote makes it: basic auth, the 409 handshake, then the request. */
async function rpc(port: number, auth: string, method: string, args: Record<string, unknown>) {
  const url = `http://127.0.0.1:${port}/transmission/rpc`
  const authorization = `Basic ${Buffer.from(auth).toString('base64')}`
  const handshake = await fetch(url, { method: 'POST', headers: { authorization } })
  const sessionId = handshake.headers.get('x-transmission-session-id') ?? ''
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'x-transmission-session-id': sessionId },
    body: JSON.stringify({ method, arguments: args }),
  })
  return (await response.json()) as { result: string; arguments: Record<string, unknown> }
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000
  let last: T = await probe()
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
    last = await probe()
  }
  return last
}

describeWith(transmission, "Transmission's transmission-remote drives vouch serve --rpc-port", () => {
  const swarm = new Swarm()
  const auth = 'operator:correct horse battery staple'
  let home: string
  let serve: ServeProcess
  let port: number

  beforeAll(async () => {
    home = await swarm.tempDir('vouch-home-')
    const credentials = path.join(home, 'rpc.credentials')
    await writeFile(credentials, `${auth}\n`, { mode: 0o600 })
    serve = await startServe(swarm, home, ['--rpc-port', '0', '--rpc-credentials', credentials])
    port = Number(new URL(String(serve.serving.rpcUrl)).port)
  })
  afterAll(() => swarm.close())

  it('adds a signed torrent, lists it, stops, starts and removes it with its data', async () => {
    const publisher = newPublisher()
    const payload = await signedPayload(swarm, publisher, {
      bytes: 512 * 1024,
      pieceLength: 32 * 1024,
      name: 'release.iso',
    })
    const seeder = await swarm.seeder(payload)
    await serve.api.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })

    const added = await remote(port, auth, '-a', payload.signedTorrentPath)
    expect(added.code, added.output).toBe(0)
    expect(added.output).toMatch(/responded: "success"/)
    const [torrent] = await serve.api.call('torrents.list', {})
    expect(torrent?.name).toBe('release.iso')
    const infoHash = torrent?.infoHash ?? ''
    // No tracker and no DHT in the test: the peer is named through Vouch's API.
    await serve.api.call('torrents.addPeer', { infoHash, address: seeder.address })

    const done = await eventually(
      () => remote(port, auth, '-l'),
      (result) => listed(result).some((row) => /^1\s+100%/.test(row)),
      'the download to reach 100% in transmission-remote -l',
    )
    expect(listed(done)).toEqual([expect.stringMatching(/^1\s+100%\s+524\.3 kB\s+Done\s.*release\.iso$/)])

    const stopped = await remote(port, auth, '-t', '1', '-S')
    expect(stopped.output).toMatch(/responded: "success"/)
    expect(listed(await remote(port, auth, '-l'))[0]).toMatch(/\sStopped\s+release\.iso$/)
    expect((await serve.api.call('torrents.list', {}))[0]).toMatchObject({ paused: true, state: 'paused' })

    // By hash string too, as *arr apps address torrents.
    expect((await remote(port, auth, '-t', infoHash, '-s')).output).toMatch(/responded: "success"/)
    expect(listed(await remote(port, auth, '-l'))[0]).not.toMatch(/Stopped/)
    expect((await serve.api.call('torrents.list', {}))[0]).toMatchObject({ paused: false })

    // The fields remotes and *arr apps read, straight from the RPC.
    const fields = ['id', 'hashString', 'name', 'status', 'percentDone', 'rateDownload', 'rateUpload', 'eta']
    fields.push(
      'totalSize',
      'downloadDir',
      'error',
      'errorString',
      'peers',
      'files',
      'trackers',
      'corruptEver',
    )
    const got = await rpc(port, auth, 'torrent-get', { ids: [infoHash], fields })
    expect(got.result).toBe('success')
    const [row] = (got.arguments as { torrents: Record<string, unknown>[] }).torrents
    expect(Object.keys(row ?? {}).sort()).toEqual([...fields].sort())
    expect(row).toMatchObject({
      id: 1,
      hashString: infoHash,
      name: 'release.iso',
      status: 6,
      percentDone: 1,
      eta: -1,
      totalSize: 512 * 1024,
      downloadDir: path.join(home, 'downloads'),
      error: 0,
      errorString: '',
      files: [{ name: 'release.iso', length: 512 * 1024, bytesCompleted: 512 * 1024 }],
      trackers: [],
      corruptEver: 0,
    })
    // The seeder's connection may already be closed (both sides complete); any peer listed is it.
    for (const peer of row?.peers as { address: string }[]) expect(peer.address).toBe(seeder.host)

    // Files: listed with -f, deselected with -G and selected again with -g (torrent-set).
    expect((await remote(port, auth, '-t', '1', '-f')).output).toMatch(
      /0: 100% Normal\s+Yes\s+524\.3 kB\s+release\.iso/,
    )
    expect((await remote(port, auth, '-t', '1', '-G', '0')).output).toMatch(/responded: "success"/)
    expect((await serve.api.call('torrents.details', { infoHash })).files[0]?.priority).toBe('skip')
    expect((await remote(port, auth, '-t', '1', '-f')).output).toMatch(/0: 100% Normal\s+No\s/)
    expect((await remote(port, auth, '-t', '1', '-g', '0', '-ph', '0')).output).toMatch(
      /responded: "success"/,
    )
    expect((await serve.api.call('torrents.details', { infoHash })).files[0]?.priority).toBe('high')

    const file = path.join(home, 'downloads', 'release.iso')
    expect((await stat(file)).size).toBe(512 * 1024)
    const removed = await remote(port, auth, '-t', '1', '--remove-and-delete')
    expect(removed.output).toMatch(/responded: "success"/)
    expect(listed(await remote(port, auth, '-l'))).toEqual([])
    await expect(stat(file)).rejects.toThrow(/ENOENT/)
  })

  it('refuses an unsigned torrent with the gate reason, and fetches nothing', async () => {
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'unsigned.bin' })
    const refused = await remote(port, auth, '-a', payload.torrentPath)
    expect(refused.code).not.toBe(0)
    expect(refused.output).toMatch(/refused by Vouch's provenance policy \(unsigned\): .*not signed/)
    expect(await serve.api.call('torrents.list', {})).toEqual([])
    await expect(stat(path.join(home, 'downloads', 'unsigned.bin'))).rejects.toThrow(/ENOENT/)
  })

  it('sets the speed limits and the download folder with session-set, and reports them with session-get', async () => {
    const ok = /responded: "success"/
    expect((await remote(port, auth, '-d', '50', '-u', '20')).output).toMatch(ok)
    expect(await serve.api.call('settings.get', {})).toMatchObject({
      downloadLimit: 50_000,
      uploadLimit: 20_000,
    })
    expect((await remote(port, auth, '-D')).output).toMatch(ok)
    expect(await serve.api.call('settings.get', {})).toMatchObject({
      downloadLimit: null,
      uploadLimit: 20_000,
    })
    const folder = await swarm.tempDir('vouch-rpc-downloads-')
    expect((await remote(port, auth, '-w', folder)).output).toMatch(ok)
    expect((await serve.api.call('settings.get', {})).downloadDir).toBe(folder)
    const info = await remote(port, auth, '-si')
    expect(info.output).toContain(`Download directory: ${folder}`)
    const refused = await remote(port, auth, '--alt-speed')
    expect(refused.output).toMatch(/Vouch does not support alt-speed-enabled/)
  })

  it("sets a torrent's own speed limits with torrent-set, and reports them with torrent-get", async () => {
    const ok = /responded: "success"/
    const publisher = newPublisher()
    const payload = await signedPayload(swarm, publisher, { bytes: 64 * 1024, name: 'limited.iso' })
    await serve.api.call('trust.pin', { publicKey: publisher.publicKey, name: 'Limited Releases' })
    expect((await remote(port, auth, '-a', payload.signedTorrentPath)).output).toMatch(ok)
    const listed = await serve.api.call('torrents.list', {})
    const infoHash = listed.find((torrent) => torrent.name === 'limited.iso')?.infoHash ?? ''
    const limitsOf = async () => (await serve.api.call('torrents.details', { infoHash })).limits

    expect((await remote(port, auth, '-t', infoHash, '-d', '50', '-u', '20')).output).toMatch(ok)
    expect(await limitsOf()).toEqual({ downloadLimit: 50_000, uploadLimit: 20_000 })
    expect((await remote(port, auth, '-t', infoHash, '-D')).output).toMatch(ok)
    expect(await limitsOf()).toEqual({ downloadLimit: null, uploadLimit: 20_000 })
    // The global limits are another thing: untouched by a torrent's.
    expect(await serve.api.call('settings.get', {})).toMatchObject({ downloadLimit: null })

    const fields = ['downloadLimit', 'downloadLimited', 'uploadLimit', 'uploadLimited']
    const got = await rpc(port, auth, 'torrent-get', { ids: [infoHash], fields })
    // A limit switched off keeps its value, as in Transmission: -d again without a value needs it.
    expect((got.arguments as { torrents: unknown[] }).torrents).toEqual([
      { downloadLimit: 50, downloadLimited: false, uploadLimit: 20, uploadLimited: true },
    ])
    const info = await remote(port, auth, '-t', infoHash, '-i')
    expect(info.output).toMatch(/Download Limit: Unlimited/)
    expect(info.output).toMatch(/Upload Limit: 20 kB\/s/)

    const refused = await rpc(port, auth, 'torrent-set', { ids: [infoHash], uploadLimit: 'fast' })
    expect(refused.result).toMatch(/torrent-set: uploadLimit must be a number/)
    expect(await limitsOf()).toEqual({ downloadLimit: null, uploadLimit: 20_000 })
    expect((await remote(port, auth, '-t', infoHash, '--remove')).output).toMatch(ok)
  })

  it('answers a wrong password 401 and a request without the session id 409 with the id', async () => {
    expect((await remote(port, 'operator:wrong', '-l')).output).toMatch(/401/)
    const url = `http://127.0.0.1:${port}/transmission/rpc`
    const authorization = `Basic ${Buffer.from(auth).toString('base64')}`
    const body = JSON.stringify({ method: 'session-get', tag: 7 })
    const first = await fetch(url, { method: 'POST', headers: { authorization }, body })
    expect(first.status).toBe(409)
    const sessionId = first.headers.get('x-transmission-session-id') ?? ''
    expect(sessionId.length).toBeGreaterThan(20)
    const second = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'x-transmission-session-id': sessionId },
      body,
    })
    expect(await second.json()).toMatchObject({ result: 'success', tag: 7, arguments: { 'rpc-version': 16 } })
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'x-transmission-session-id': sessionId },
      body: JSON.stringify({ method: 'no-such-method' }),
    })
    expect(await unknown.json()).toMatchObject({ result: 'method name not recognized' })
    expect((await fetch(`http://127.0.0.1:${port}/`, { headers: { authorization } })).status).toBe(404)
  })
})
