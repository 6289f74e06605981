import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { Engine } from '../../src/engine/engine.ts'
import { LineProcess } from '../kit/process.ts'
import { Swarm, withTimeout, type Payload } from '../kit/swarm.ts'
import { aria2, describeWith, freePort, sha256, sha256File, transmission } from './clients.ts'

/**
 * A Vouch engine seeding random data. aria2 cannot be handed a peer address on the command line,
 * so its swarm has a tracker on 127.0.0.1 that both announce to.
 */
async function vouchSeeding(
  swarm: Swarm,
  options: { tracker: boolean },
): Promise<{ engine: Engine; payload: Payload; torrentPath: string }> {
  const tracker = options.tracker ? await swarm.tracker() : null
  const payload = await swarm.payload({ bytes: 4 * 1024 * 1024 + 999, pieceLength: 64 * 1024 })
  const engine = await swarm.engine({ tracker: options.tracker })
  const seeded = await engine.seed(payload.file, {
    ...(tracker ? { announce: [tracker.announceUrl] } : {}),
    pieceLength: 64 * 1024,
    remember: false,
  })
  // The .torrent Vouch itself built and announced, so the other client joins exactly its swarm.
  const torrentPath = path.join(await swarm.tempDir('vouch-interop-torrent-'), 'from-vouch.torrent')
  await writeFile(torrentPath, seeded.torrentFile)
  return { engine, payload, torrentPath }
}

async function exitWithin(process: LineProcess, ms: number, what: string) {
  return withTimeout(
    process.exited,
    ms,
    `${what}; stderr: ${process.stderr}; stdout: ${process.lines.join('\n')}`,
  )
}

describeWith(aria2, 'interop with aria2', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('aria2 downloads from Vouch through a tracker, sha256 equal', async () => {
    swarm = new Swarm()
    const { payload, torrentPath } = await vouchSeeding(swarm, { tracker: true })
    const out = await swarm.tempDir()
    const aria = new LineProcess('aria2c', [
      `--dir=${out}`,
      '--seed-time=0',
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--bt-stop-timeout=60',
      '--check-integrity=true',
      '--file-allocation=none',
      '--summary-interval=0',
      '--console-log-level=warn',
      '--no-conf=true',
      torrentPath,
    ])
    swarm.defer(async () => void (await aria.stop('SIGKILL')))
    const exit = await exitWithin(aria, 60_000, 'aria2c to finish')
    expect(exit.code, aria.stderr + aria.lines.join('\n')).toBe(0)
    expect(await sha256File(path.join(out, payload.name))).toBe(sha256(payload.bytes))
  })
})

describeWith(transmission, 'interop with Transmission', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  // Transmission drops peers in 127.0.0.0/8 that a tracker hands out (tr_address_is_martian), but it
  // accepts incoming connections from them: so Vouch dials Transmission's port instead.
  it('transmission-cli downloads from Vouch, sha256 equal', async () => {
    swarm = new Swarm()
    const { engine, payload, torrentPath } = await vouchSeeding(swarm, { tracker: false })
    const out = await swarm.tempDir()
    const config = await swarm.tempDir('vouch-transmission-config-')
    const port = await freePort()
    await writeFile(
      path.join(config, 'settings.json'),
      JSON.stringify({
        'dht-enabled': false,
        'lpd-enabled': false,
        'pex-enabled': false,
        'utp-enabled': false,
        'port-forwarding-enabled': false,
        'peer-port': port,
        'peer-port-random-on-start': false,
        'rename-partial-files': true,
        'rpc-enabled': false,
      }),
    )
    const client = new LineProcess('transmission-cli', ['-g', config, '-w', out, '-et', '-M', torrentPath])
    swarm.defer(async () => void (await client.stop('SIGKILL')))
    // Dial until a connection is up: Transmission needs a moment to open its port and start the
    // torrent, and WebTorrent gives up on a peer after a few refusals. (Probing the port with a
    // bare connect first makes Transmission ignore 127.0.0.1 for about 30 s.)
    let lastDial = 0
    const dial = async () => {
      lastDial = Date.now()
      await engine.add(torrentPath, { peers: [`127.0.0.1:${port}`], remember: false, allowUnsigned: true })
    }
    // transmission-cli keeps seeding after the download, so watch the file instead of its exit.
    const file = path.join(out, payload.name)
    const expected = sha256(payload.bytes)
    const deadline = Date.now() + 45_000
    while ((await sha256File(file).catch(() => '')) !== expected) {
      if (!client.running) throw new Error(`transmission-cli exited early: ${client.stderr}`)
      if (Date.now() > deadline) {
        const peers = engine.stats().map((stats) => stats.numPeers)
        throw new Error(
          `transmission-cli did not finish in 45 s (Vouch peers: ${peers}); stderr: ${client.stderr}`,
        )
      }
      if (engine.stats().every((stats) => stats.numPeers === 0) && Date.now() - lastDial > 2000) await dial()
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(await sha256File(file)).toBe(expected)
    await client.stop('SIGTERM')
  })
})
