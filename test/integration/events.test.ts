import { afterAll, describe, expect, it } from 'vitest'
import type { EventRecord } from '../../src/cli/event-records.ts'
import { runVouch, VouchProcess } from '../kit/cli.ts'
import { addPoisonedRelease, POISONED_PIECE_LENGTH, poisonedSwarm } from '../kit/poisoned-swarm.ts'
import { startServe } from '../kit/serve.ts'
import { Swarm, withTimeout } from '../kit/swarm.ts'

function records(lines: string[]): EventRecord[] {
  return lines.map((line) => JSON.parse(line) as EventRecord)
}

async function eventually(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('vouch events: the audit log and the live events of a running serve, as NDJSON', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())

  it('streams bans, lifts, refusals, acceptances, hash failures and done live, and the same log afterwards', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const poisoned = await poisonedSwarm(swarm)
    const serve = await startServe(swarm, home)
    const follower = new VouchProcess(['--home', home, 'events', '--follow'])
    swarm.defer(async () => void (await follower.stop('SIGKILL')))
    await eventually(
      () => follower.stderr.includes('following ws://'),
      `events --follow connected; ${follower.stderr}`,
    )

    const done = new Promise<void>((resolve) =>
      serve.api.onEvent((message) => message.event === 'torrent.done' && resolve()),
    )
    await addPoisonedRelease(serve.api, poisoned)
    await withTimeout(done, 60_000, 'the poisoned download')
    const unsigned = await serve.api.call('torrents.addFile', {
      fileName: 'plain.torrent',
      contentBase64: Buffer.from((await swarm.payload({ bytes: 64 * 1024 })).torrentFile).toString('base64'),
    })
    expect(unsigned.status).toBe('refused')
    expect((await serve.api.call('bans.lift', { address: poisoned.poisoner.host })).lifted).toBe(1)

    await eventually(
      () => records(follower.lines).some((record) => record.type === 'ban.lifted'),
      `the lift in the stream; got ${follower.lines.join('\n')}`,
    )
    const live = records(follower.lines)
    for (const record of live) {
      expect(record.version).toBe(1)
      expect(new Date(record.time).getTime()).toBe(record.at)
    }
    const typeOf = (type: string) => live.filter((record) => record.type === type)
    expect(typeOf('trust.pinned')).toHaveLength(1)
    expect(typeOf('provenance.accepted')[0]?.details).toMatchObject({
      fingerprints: [poisoned.publisher.fingerprint],
    })
    const [refused] = typeOf('provenance.refused')
    expect(refused?.details).toMatchObject({ reason: 'unsigned' })
    const [ban] = typeOf('ban.created')
    expect(ban).toMatchObject({ source: 'audit', subject: poisoned.poisoner.host })
    expect(ban?.details.reason).toMatch(/^(poisoned-block|sole-contributor)$/)
    const failures = typeOf('torrent.hash-failed')
    expect(failures.length).toBeGreaterThanOrEqual(1)
    expect(failures[0]).toMatchObject({
      source: 'engine',
      seq: null,
      details: { bytes: POISONED_PIECE_LENGTH },
    })
    expect(typeOf('torrent.done')).toHaveLength(1)
    expect(typeOf('ban.lifted')[0]).toMatchObject({ source: 'audit', subject: poisoned.poisoner.host })
    const liveSeqs = live.filter((record) => record.source === 'audit').map((record) => record.seq)
    expect(liveSeqs).toEqual([...liveSeqs].sort((a, b) => (a ?? 0) - (b ?? 0)))
    expect(new Set(liveSeqs).size).toBe(liveSeqs.length)

    // The log read back (while serve runs) holds exactly the audited entries the stream showed.
    const history = await runVouch(['--home', home, 'events'])
    expect(history.code, history.stderr).toBe(0)
    const logged = records(history.stdout.trim().split('\n'))
    expect(logged.map((record) => record.seq)).toEqual(liveSeqs)
    expect(logged).toEqual(live.filter((record) => record.source === 'audit'))
    const future = await runVouch(['--home', home, 'events', '--since', '2999-01-01T00:00:00Z'])
    expect(future).toMatchObject({ code: 0, stdout: '' })
    const bad = await runVouch(['--home', home, 'events', '--since', 'yesterday'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--since must be an ISO 8601 time .* not 'yesterday'/)

    // --follow --since prints the log first, then follows; both followers end when serve stops.
    const catchUp = new VouchProcess(['--home', home, 'events', '--follow', '--since', '1h'])
    swarm.defer(async () => void (await catchUp.stop('SIGKILL')))
    await eventually(
      () => catchUp.stderr.includes('following ws://'),
      `catch-up connected; ${catchUp.stderr}`,
    )
    expect(records(catchUp.lines)).toEqual(logged)
    await serve.process.stop('SIGTERM')
    expect((await withTimeout(follower.exited, 15_000, 'follower exit')).code).toBe(0)
    expect((await withTimeout(catchUp.exited, 15_000, 'catch-up exit')).code).toBe(0)
    expect(follower.stderr).toMatch(/stopped \(the server closed the connection\)/)
  })

  it('says no serve is running when --follow finds none', async () => {
    const result = await runVouch(['--home', await swarm.tempDir('vouch-home-'), 'events', '--follow'])
    expect(result.code).toBe(5)
    expect(result.stderr).toMatch(/no running vouch serve/)
  })
})
