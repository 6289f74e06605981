import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Torrent } from 'webtorrent'
import { buildReport } from '../../src/reputation/report.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { openReputation, type Reputation } from '../../src/reputation/wiring.ts'
import { RULES_FILE } from '../../src/rules/config.ts'
import { leecher, multiDial, reportsCompleteAfter, type Leecher } from '../kit/adversaries.ts'
import { runVouch } from '../kit/cli.ts'
import { Swarm, tempDir, whenDone, wireFrom, withTimeout, type Payload } from '../kit/swarm.ts'

const PIECE = 32 * 1024

/** Vouch seeding `payload` with the reputation store and the rules of `rules` (none: the defaults). */
async function vouchSeed(
  swarm: Swarm,
  payload: Payload,
  opened: Reputation[],
  rules?: object,
  home?: string,
) {
  home ??= await swarm.tempDir('vouch-home-')
  if (rules) await writeFile(path.join(home, RULES_FILE), JSON.stringify(rules))
  const reputation = await openReputation(home)
  opened.push(reputation)
  const engine = await swarm.engine({ home, ...reputation.engineOptions() })
  reputation.connect(engine)
  const torrent = await engine.add(payload.torrentPath, { downloadDir: payload.dir, remember: false })
  await whenDone(torrent, 20_000)
  return { engine, torrent, reputation }
}

function dial(torrent: Torrent, peers: Leecher[]): void {
  for (const peer of peers) torrent.addPeer(peer.address)
}

async function allDone(peers: Leecher[], payload: Payload): Promise<void> {
  for (const peer of peers) await whenDone(peer.torrent, 45_000)
  for (const peer of peers) expect(peer.torrent.progress).toBe(1)
  expect(payload.bytes.length).toBeGreaterThan(0)
}

describe('ban rules on a real loopback swarm', () => {
  let swarm: Swarm
  const opened: Reputation[] = []
  afterEach(async () => {
    await swarm.close()
    for (const reputation of opened.splice(0)) reputation.close()
  })

  /** Honest leechers slower than the cheater's lie, so most pieces are held by nobody but us. */
  async function cheaterSwarm(rules?: object) {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024, pieceLength: PIECE })
    const vouch = await vouchSeed(swarm, payload, opened, rules)
    const honest = [
      await leecher(swarm, payload, { client: { downloadLimit: 160 * 1024 } }),
      await leecher(swarm, payload, { client: { downloadLimit: 160 * 1024 } }),
    ]
    const cheater = await leecher(swarm, payload, {
      behaviour: reportsCompleteAfter(0.1),
      client: { downloadLimit: 48 * 1024 },
    })
    dial(vouch.torrent, [...honest, cheater])
    return { payload, vouch, honest, cheater }
  }

  it('bans a peer that reports 100% after receiving 10% from us, with evidence, and no honest leecher', async () => {
    const { payload, vouch, honest, cheater } = await cheaterSwarm({
      version: 1,
      progress: { graceMs: 1000, aheadAction: 'ban' },
    })
    const store = vouch.reputation.store
    await vi.waitFor(() => expect(store.banFor(cheater.host)).toBeDefined(), { timeout: 20_000 })
    await allDone(honest, payload)
    const bans = store.list()
    expect(bans.map((ban) => ban.address)).toEqual([cheater.host])
    const ban = bans[0]
    expect(ban?.reason).toBe('progress-cheat')
    expect(ban?.rule?.kind).toBe('progress-ahead')
    expect(ban?.rule?.infoHash).toBe(vouch.torrent.infoHash)
    const facts = ban?.rule?.facts ?? {}
    // It had received about a tenth from us, and claimed far more that nobody else connected had.
    expect(Number(facts.uploadedBytes)).toBeLessThan(payload.bytes.length * 0.5)
    expect(Number(facts.aheadPieces)).toBeGreaterThan(Number(facts.slackPieces))
    // The evidence survives in the store: a fresh read of the database has it.
    store.flush()
    const row = store.database
      .prepare('SELECT rule_evidence FROM bans WHERE address = ?')
      .get(cheater.host) as {
      rule_evidence: string
    }
    expect(JSON.parse(row.rule_evidence)).toMatchObject({ rule: 'progress', kind: 'progress-ahead' })
  })

  it('shadow-bans the cheater when the rule says shadow: still connected, never uploaded to again', async () => {
    // The default action of the progress-ahead rule is shadow; only the grace window is shortened.
    const { payload, vouch, honest, cheater } = await cheaterSwarm({
      version: 1,
      progress: { graceMs: 1000 },
    })
    const wire = await wireFrom(vouch.torrent, cheater.host)
    const store = vouch.reputation.store
    await vi.waitFor(
      () => {
        store.flush()
        expect([...auditRows(store.database)].map((row) => row.type)).toContain('rule.shadowed')
      },
      { timeout: 20_000 },
    )
    const uploadedAtShadow = wire.uploaded
    await allDone(honest, payload)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(store.list()).toEqual([])
    expect(wire.destroyed).toBe(false)
    expect(wire.amChoking).toBe(true)
    // Nothing was uploaded to it after the shadow fell.
    expect(wire.uploaded - uploadedAtShadow).toBe(0)
    expect(cheater.torrent.progress).toBeLessThan(1)
  })

  it('bans a host that dials in from many ports, with evidence, and no honest leecher', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 512 * 1024, pieceLength: PIECE })
    const vouch = await vouchSeed(swarm, payload, opened)
    const honest = [await leecher(swarm, payload), await leecher(swarm, payload)]
    dial(vouch.torrent, honest)
    // Its own /24, apart from the kit's 127.0.0.x peers.
    const dialer = await multiDial(vouch.engine.port, vouch.torrent.infoHash, {
      connections: 12,
      host: '127.0.200.5',
    })
    swarm.defer(async () => dialer.close())
    const store = vouch.reputation.store
    await vi.waitFor(() => expect(store.banFor(dialer.host)).toBeDefined(), { timeout: 10_000 })
    await allDone(honest, payload)
    await withTimeout(
      vi.waitFor(() => expect(dialer.open()).toBe(0), { timeout: 5000 }),
      6000,
      'the dialer disconnected',
    )
    const bans = store.list()
    expect(bans.map((ban) => ban.address)).toEqual([dialer.host])
    expect(bans[0]?.reason).toBe('multi-dial')
    expect(bans[0]?.rule?.facts).toMatchObject({ group: '127.0.200.0/24', connections: 9, maxConnections: 8 })
    expect(new Set(dialer.ports).size).toBe(dialer.ports.length)
    // The JSON export carries the rule and what it measured.
    const exported = buildReport(bans, 'json', { now: Date.now() }).text
    expect(JSON.parse(exported).bans[0].rule).toMatchObject({ rule: 'multiDial', kind: 'multi-dial' })
  })

  it('vouch rules test replays the recorded history: the multi-dialer a disabled rule let through would be banned', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 256 * 1024, pieceLength: PIECE })
    // Outlives the swarm: the CLI reads the store after the engine has closed.
    const home = await tempDir('vouch-home-')
    const vouch = await vouchSeed(swarm, payload, opened, { version: 1, multiDial: { enabled: false } }, home)
    const honest = [await leecher(swarm, payload), await leecher(swarm, payload)]
    dial(vouch.torrent, honest)
    const dialer = await multiDial(vouch.engine.port, vouch.torrent.infoHash, {
      connections: 10,
      host: '127.0.201.9',
    })
    swarm.defer(async () => dialer.close())
    await allDone(honest, payload)
    expect(vouch.reputation.store.list()).toEqual([])
    dialer.close()
    await swarm.close()
    opened.splice(0).forEach((reputation) => reputation.close())

    const strict = path.join(home, 'strict.json')
    await writeFile(strict, JSON.stringify({ version: 1 }))
    const result = await runVouch(['--home', home, '--json', 'rules', 'test', strict])
    expect(result.code, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout) as {
      observations: number
      findings: { address: string; outcome: string; reason: string }[]
    }
    expect(output.observations).toBeGreaterThanOrEqual(3)
    expect(output.findings).toEqual([
      expect.objectContaining({ address: dialer.host, outcome: 'ban', reason: 'multi-dial' }),
    ])
    const human = await runVouch(['--home', home, 'rules', 'test', strict])
    expect(human.stdout).toMatch(/127\.0\.201\.9\s+would ban \(multi-dial\)/)
    expect(human.stdout).toContain('10 connections to one torrent from 127.0.201.0/24')
    const broken = await runVouch(['--home', home, 'rules', 'test', payload.torrentPath])
    expect(broken.code).toBe(2)
  })
})
