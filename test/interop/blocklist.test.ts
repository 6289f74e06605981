/**
 * Ban reports load in other clients: the P2P export as a transmission-daemon blocklist and the DAT
 * export as a qbittorrent-nox IP filter, each confirmed from the client's own output (Transmission's
 * RPC `blocklist-size` and log; qBittorrent's log through its Web UI API). Both clients run on
 * loopback with their own config directories and are stopped by PID.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { ReputationStore } from '../../src/reputation/store.ts'
import { parseIp } from '../../src/reputation/ip.ts'
import { runVouch } from '../kit/cli.ts'
import { LineProcess } from '../kit/process.ts'
import { tempDir, withTimeout } from '../kit/swarm.ts'
import { describeWith, freePort, type ExternalClient } from './clients.ts'

function probe(name: string, apt: string, command: string): ExternalClient {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  const available = result.status === 0
  const version = available ? ((result.stdout || result.stderr).trim().split('\n')[0] ?? '') : ''
  return { name, apt, available, version }
}

const transmissionDaemon = probe('transmission-daemon', 'transmission-daemon', 'transmission-daemon')
const qbittorrentNox = probe('qbittorrent-nox', 'qbittorrent-nox', 'qbittorrent-nox')

/** 40 ranges, 12 single addresses and 2 IPv6 bans (which P2P and DAT leave out): 52 IPv4 rules. */
const IPV4_RULES = 52

async function homeWithBans(): Promise<{ home: string; key: string }> {
  const home = await scratch('vouch-interop-home-')
  const store = ReputationStore.openInHome(home)
  const entries = []
  for (let i = 0; i < 40; i++) {
    const first = parseIp(`10.${i}.0.0`)
    const last = parseIp(`10.${i}.255.255`)
    if (first && last) entries.push({ first, last, label: `range ${i}` })
  }
  const v6 = parseIp('2001:db8::')
  const v6last = parseIp('2001:db8::ffff')
  if (v6 && v6last) entries.push({ first: v6, last: v6last, label: 'v6' })
  store.importBans(entries, { subject: 'interop' })
  for (let i = 0; i < 12; i++) {
    store.add({
      address: `192.0.2.${i + 1}`,
      rangeEnd: null,
      reason: 'poisoned-block',
      source: 'automatic',
      evidence: { infoHash: 'ab'.repeat(20), piece: i, offset: 0, badDigest: 'aa', goodDigest: 'bb' },
      note: '',
      createdAt: Date.now(),
      expiresAt: null,
    })
  }
  store.add({
    address: '2001:db8:1:2::/64',
    rangeEnd: null,
    reason: 'manual',
    source: 'manual',
    evidence: null,
    note: '',
    createdAt: Date.now(),
    expiresAt: null,
  })
  store.close()
  const key = path.join(home, 'reporter.key')
  const keygen = await runVouch(['--home', home, 'keygen', '--out', key])
  expect(keygen.code, keygen.stderr).toBe(0)
  return { home, key }
}

async function exportBans(home: string, key: string, format: 'p2p' | 'dat', out: string): Promise<void> {
  const result = await runVouch([
    '--home',
    home,
    'bans',
    'export',
    '--format',
    format,
    '--sign',
    key,
    '--out',
    out,
  ])
  expect(result.code, result.stderr).toBe(0)
  const verified = await runVouch(['--home', home, 'verify-report', out, '--key', `${key}.pub`])
  expect(verified.code, verified.stderr).toBe(0)
}

/** Poll `probe` until it returns a value, for at most `ms`. */
async function eventually<T>(probeOnce: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  return withTimeout(
    (async () => {
      for (;;) {
        try {
          const value = await probeOnce()
          if (value !== undefined) return value
        } catch {
          // not up yet
        }
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    })(),
    ms,
    what,
  )
}

const started: LineProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const process of started.splice(0)) await process.stop('SIGTERM', 10_000)
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function scratch(prefix: string): Promise<string> {
  const dir = await tempDir(prefix)
  dirs.push(dir)
  return dir
}

describeWith(transmissionDaemon, 'transmission-daemon loads the P2P export as a blocklist', () => {
  it(`reports blocklist-size ${IPV4_RULES} over RPC`, async () => {
    const { home, key } = await homeWithBans()
    const config = await scratch('vouch-transmission-')
    await mkdir(path.join(config, 'blocklists'))
    await exportBans(home, key, 'p2p', path.join(config, 'blocklists', 'vouch.p2p'))
    const rpcPort = await freePort()
    await writeFile(
      path.join(config, 'settings.json'),
      JSON.stringify({
        'blocklist-enabled': true,
        'rpc-enabled': true,
        'rpc-bind-address': '127.0.0.1',
        'rpc-port': rpcPort,
        'rpc-authentication-required': false,
        'rpc-whitelist-enabled': true,
        'rpc-whitelist': '127.0.0.1',
        'peer-port': await freePort(),
        'bind-address-ipv4': '127.0.0.1',
        'bind-address-ipv6': '::1',
        'dht-enabled': false,
        'lpd-enabled': false,
        'pex-enabled': false,
        'utp-enabled': false,
        'port-forwarding-enabled': false,
        'download-dir': path.join(config, 'downloads'),
        'watch-dir-enabled': false,
      }),
    )
    // In the foreground Transmission logs to stdout (and errors to stderr); LineProcess keeps both.
    const daemon = new LineProcess('transmission-daemon', ['-f', '-g', config, '--log-info'])
    started.push(daemon)

    const url = `http://127.0.0.1:${rpcPort}/transmission/rpc`
    const size = await eventually(
      async () => {
        const hello = await fetch(url)
        const session = hello.headers.get('x-transmission-session-id')
        if (!session) return undefined
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'x-transmission-session-id': session },
          body: JSON.stringify({
            method: 'session-get',
            arguments: { fields: ['blocklist-size', 'blocklist-enabled'] },
          }),
        })
        const body = (await response.json()) as { result: string; arguments: Record<string, unknown> }
        return body.result === 'success' ? body.arguments : undefined
      },
      20_000,
      `transmission RPC on port ${rpcPort}; stderr: ${daemon.stderr}`,
    )
    expect(size).toEqual({ 'blocklist-enabled': true, 'blocklist-size': IPV4_RULES })
    // Its stdout is block-buffered into the pipe: stop it (by PID) so the log is flushed.
    await daemon.stop('SIGTERM', 10_000)
    const log = [...daemon.lines, daemon.stderr].join('\n')
    expect(log).toContain(`Blocklist "vouch.p2p.bin" contains ${IPV4_RULES} entries`)
  })
})

describeWith(qbittorrentNox, 'qbittorrent-nox loads the DAT export as an IP filter', () => {
  it(`logs that ${IPV4_RULES} rules were applied`, async () => {
    const { home, key } = await homeWithBans()
    const profile = await scratch('vouch-qbittorrent-')
    const filter = path.join(profile, 'vouch.dat')
    await exportBans(home, key, 'dat', filter)
    expect(await readFile(filter, 'utf8')).toMatch(/^010\.000\.000\.000 - 010\.000\.255\.255 , 000 , /m)
    const webPort = await freePort()
    await mkdir(path.join(profile, 'qBittorrent', 'config'), { recursive: true })
    await writeFile(
      path.join(profile, 'qBittorrent', 'config', 'qBittorrent.conf'),
      [
        '[LegalNotice]',
        'Accepted=true',
        '',
        '[BitTorrent]',
        'Session\\IPFilteringEnabled=true',
        `Session\\IPFilter=${filter}`,
        `Session\\Port=${await freePort()}`,
        'Session\\Interface=lo',
        'Session\\InterfaceName=lo',
        'Session\\DHTEnabled=false',
        'Session\\LSDEnabled=false',
        'Session\\PeXEnabled=false',
        '',
        '[Preferences]',
        'Connection\\UPnP=false',
        'Connection\\ResolvePeerCountries=false',
        `WebUI\\Port=${webPort}`,
        'WebUI\\Address=127.0.0.1',
        'WebUI\\LocalHostAuth=false',
        '',
      ].join('\n'),
    )
    const client = new LineProcess('qbittorrent-nox', [`--profile=${profile}`])
    started.push(client)

    const applied = await eventually(
      async () => {
        const response = await fetch(`http://127.0.0.1:${webPort}/api/v2/log/main`)
        const messages = (await response.json()) as { message: string }[]
        return messages
          .map((m) => /IP filter file\. Number of rules applied: (\d+)/.exec(m.message)?.[1])
          .find(Boolean)
      },
      20_000,
      `qBittorrent Web UI on port ${webPort}; stderr: ${client.stderr}`,
    )
    expect(Number(applied)).toBe(IPV4_RULES)
  })
})
