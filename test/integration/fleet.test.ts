import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openBackend, type Backend } from '../../src/api/backend.ts'
import { generateKey, type SecretKey } from '../../src/provenance/keys.ts'
import { auditRows } from '../../src/reputation/audit-log.ts'
import { BANS_PATH, feedSource, Follows, publishedReport } from '../../src/reputation/follow.ts'
import { buildReport } from '../../src/reputation/report.ts'
import { signReport } from '../../src/reputation/report-signature.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { startServer } from '../../src/server/server.ts'
import { adversary, behaviours, dialFrom } from '../kit/adversaries.ts'
import { nextLoopbackAddress, QUIET_CLIENT, Swarm, tempDir, whenDone } from '../kit/swarm.ts'

const POLL_MS = 1000
const CHECK_MS = 100

interface Instance {
  name: string
  backend: Backend
  key: SecretKey
  /** Where its signed report is served, over real HTTP on its own loopback address. */
  bansUrl: string
}

async function instance(swarm: Swarm, name: string): Promise<Instance> {
  const home = await swarm.tempDir(`vouch-${name}-`)
  const backend = await openBackend({
    engine: { ...QUIET_CLIENT, home, resume: false },
    version: 'test',
    followCheckMs: CHECK_MS,
  })
  swarm.defer(() => backend.close())
  const key = generateKey()
  const server = await startServer({
    service: backend.service,
    host: nextLoopbackAddress(),
    port: 0,
    publishBans: () => publishedReport(backend.reputation.store, key),
  })
  swarm.defer(() => server.close())
  return { name, backend, key, bansUrl: `http://${server.host}:${server.port}${BANS_PATH}` }
}

/**
 * A follower's store and a publisher's store in temporary homes, and the publisher's report served
 * on a loopback address at BANS_PATH (`serve` sets what it answers).
 */
async function reportOnLoopback(swarm: Swarm) {
  const home = await tempDir('vouch-home-')
  const store = ReputationStore.openInHome(home)
  swarm.defer(async () => store.close())
  const publisherStore = ReputationStore.openInHome(await tempDir('vouch-publisher-'))
  swarm.defer(async () => publisherStore.close())
  const key = generateKey()
  let served = ''
  const server = createServer((_request, response) => response.end(served))
  const host = nextLoopbackAddress()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  swarm.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://${host}:${(server.address() as AddressInfo).port}${BANS_PATH}`
  return { home, store, publisherStore, key, url, serve: (text: string) => void (served = text) }
}

/** How long a change may take to reach a follower before the test gives up (a hang guard only). */
const ARRIVAL_MS = 10 * POLL_MS

/**
 * The first report `follower` fetched from `url` after `since` made the change (`added` or
 * `lifted` one ban): a report exported after `since` reflects it, so a poll of such a report that
 * did not is a poll late. Read from the follower's audit log, where each poll records what it
 * applied and the report's time, rather than from the wall clock: how long a poll takes, and so
 * when the next one starts, depends on how busy the machine is.
 */
function expectChangedAtFirstPollAfter(
  follower: Instance,
  url: string,
  since: number,
  change: 'added' | 'lifted',
): void {
  const store = follower.backend.reputation.store
  store.flush()
  const polls = [...auditRows(store.database)]
    .filter((row) => row.type === 'feed.applied' && row.subject === url)
    .map((row) => JSON.parse(row.details) as { added: number; lifted: number; exportedAt: string })
  const changed = polls.findIndex((poll) => poll[change] > 0)
  expect(polls[changed]?.[change], `${follower.name}: the poll that ${change} the ban`).toBe(1)
  const late = polls.slice(0, changed).filter((poll) => Date.parse(poll.exportedAt) > since)
  expect(late, `${follower.name}: reports fetched after the change that did not make it`).toEqual([])
}

describe('fleet reputation with no central server', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('five instances: a poisoner banned by one is refused by the other four within one poll interval, no honest ban anywhere', async () => {
    swarm = new Swarm()
    const payload = await swarm.payload({ bytes: 1024 * 1024, pieceLength: 32 * 1024 })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
    const fleet: Instance[] = []
    for (const name of ['a', 'b', 'c', 'd', 'e']) fleet.push(await instance(swarm, name))
    const [origin, ...others] = fleet as [Instance, ...Instance[]]
    for (const follower of others) {
      // Each follower seeds the torrent, so a refused handshake means the ban, not a missing torrent.
      const torrent = await follower.backend.engine.add(payload.torrentPath, {
        downloadDir: payload.dir,
        allowUnsigned: true,
        remember: false,
      })
      await whenDone(torrent)
      await new Follows(follower.backend.engine.paths.home).add(
        origin.bansUrl,
        origin.key.publicKey,
        origin.name,
        POLL_MS,
      )
    }

    const download = await origin.backend.engine.add(payload.torrentPath, {
      downloadDir: await swarm.tempDir(),
      peers: [...honest, poisoner].map((seeder) => seeder.address),
      allowUnsigned: true,
      remember: false,
    })
    await vi.waitFor(() => expect(origin.backend.reputation.store.banFor(poisoner.host)).toBeDefined(), {
      timeout: 30_000,
      interval: 20,
    })
    const bannedAt = Date.now()
    const original = origin.backend.reputation.store.banFor(poisoner.host)
    const source = feedSource({ name: origin.name, fingerprint: origin.key.fingerprint })
    for (const follower of others) {
      await vi.waitFor(
        () => expect(follower.backend.reputation.store.banFor(poisoner.host)?.source).toBe(source),
        {
          timeout: ARRIVAL_MS,
          interval: 20,
        },
      )
    }
    const elapsed = Date.now() - bannedAt
    console.log(
      `[fleet] the ban reached all four followers ${elapsed} ms after it was made (poll interval ${POLL_MS} ms)`,
    )
    // Within one poll interval: at the first poll after the ban.
    for (const follower of others)
      expectChangedAtFirstPollAfter(follower, origin.bansUrl, original?.createdAt ?? Infinity, 'added')
    await whenDone(download, 60_000)

    for (const follower of others) {
      const applied = follower.backend.reputation.store.banFor(poisoner.host)
      expect(applied?.evidence).toEqual(original?.evidence)
      expect(applied?.expiresAt).toBe(original?.expiresAt)
      expect(await dialFrom(poisoner.host, follower.backend.engine.port, download.infoHash)).toBe('refused')
      expect(await dialFrom(honest[0]?.host ?? '', follower.backend.engine.port, download.infoHash)).toBe(
        'accepted',
      )
    }
    for (const member of fleet)
      expect(member.backend.reputation.store.list().map((ban) => ban.address)).toEqual([poisoner.host])

    // The publisher lifts the ban: the followers lift theirs at the next poll.
    const liftedAt = Date.now()
    origin.backend.engine.defence?.lift(poisoner.host)
    for (const follower of others)
      await vi.waitFor(
        () => expect(follower.backend.reputation.store.banFor(poisoner.host)).toBeUndefined(),
        {
          timeout: ARRIVAL_MS,
        },
      )
    for (const follower of others) expectChangedAtFirstPollAfter(follower, origin.bansUrl, liftedAt, 'lifted')
  })

  it('refuses a report signed by another key, or older than the last applied, and audits it; counts pseudonymised ones', async () => {
    swarm = new Swarm()
    const { home, store, publisherStore, key, serve, url } = await reportOnLoopback(swarm)
    const impostor = generateKey()
    const ban = {
      address: '198.51.100.23',
      rangeEnd: null,
      reason: 'poisoned-block' as const,
      source: 'automatic' as const,
      evidence: {
        infoHash: 'e'.repeat(40),
        piece: 3,
        offset: 0,
        badDigest: 'b'.repeat(64),
        goodDigest: 'g'.repeat(64),
      },
      note: '',
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    }
    publisherStore.add(ban)
    const older = publishedReport(publisherStore, key, Date.now() - 60_000)
    const newer = publishedReport(publisherStore, key, Date.now())
    serve(newer)

    const follows = new Follows(home)
    const follow = await follows.add(url, key.publicKey, 'eu-1', 1000)
    expect(await follows.poll(follow, store)).toMatchObject({ status: 'applied', added: 1 })
    expect(store.banFor('198.51.100.23')?.evidence).toEqual(ban.evidence)

    serve(older)
    const [current] = await follows.list()
    expect(await follows.poll(current as typeof follow, store)).toMatchObject({
      status: 'refused',
      problem: 'rollback',
    })
    serve(publishedReport(publisherStore, impostor))
    expect(await follows.poll(current as typeof follow, store)).toMatchObject({
      status: 'refused',
      problem: 'other-key',
    })
    expect(store.banFor('198.51.100.23')).toBeDefined()
    store.flush()
    const refusals = [...auditRows(store.database)].filter((row) => row.type === 'feed.refused')
    expect(refusals.map((row) => JSON.parse(row.details).problem)).toEqual(['rollback', 'other-key'])

    // The publisher's export with --pseudonymise, signed: it names no address.
    serve(
      signReport(
        'json',
        buildReport(publisherStore.list(), 'json', { now: Date.now() + 2000, pseudonymise: () => 'hidden' })
          .text,
        key,
      ),
    )
    expect(await follows.poll((await follows.list())[0] as typeof follow, store)).toEqual({
      status: 'pseudonymised',
      bans: 1,
    })
    expect((await follows.list())[0]?.pseudonymised).toBe(1)
    expect(store.banFor('hidden')).toBeUndefined()
  })

  it('keeps the reason of every ban it follows that this Vouch knows, and files an unknown one as imported', async () => {
    swarm = new Swarm()
    const { home, store, publisherStore, key, serve, url } = await reportOnLoopback(swarm)
    const banned = (address: string, reason: 'protocol-violation' | 'idle') => ({
      address,
      rangeEnd: null,
      reason,
      source: 'automatic' as const,
      evidence: null,
      note: '',
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    })
    publisherStore.add(banned('198.51.100.31', 'protocol-violation'))
    publisherStore.add(banned('198.51.100.32', 'idle'))
    // A newer publisher's reason, unknown here: signed after the edit, so only the reason differs.
    const report = JSON.parse(buildReport(publisherStore.list(), 'json', { now: Date.now() }).text) as {
      bans: { reason: string }[]
    }
    const idle = report.bans.find((ban) => ban.reason === 'idle')
    if (idle) idle.reason = 'from-the-future'
    serve(signReport('json', JSON.stringify(report), key))
    const follows = new Follows(home)
    const follow = await follows.add(url, key.publicKey, 'eu-2', 1000)
    expect(await follows.poll(follow, store)).toMatchObject({ status: 'applied', added: 2 })
    expect(store.banFor('198.51.100.31')?.reason).toBe('protocol-violation')
    expect(store.banFor('198.51.100.32')?.reason).toBe('imported')
  })
})
