import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addPoisonedRelease, POISONED_PIECE_LENGTH as PIECE, poisonedSwarm } from '../kit/poisoned-swarm.ts'
import { PROMTOOL, startPrometheus } from '../kit/prometheus.ts'
import { startServe } from '../kit/serve.ts'
import { Swarm, withTimeout } from '../kit/swarm.ts'

function value(result: { value: [number, string] }[]): number {
  return result.reduce((sum, sample) => sum + Number(sample.value[1]), 0)
}

describe('vouch serve --metrics-port, scraped by a real Prometheus during a poisoned download', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())

  it('Prometheus answers for the ban, the corrupt bytes and a time-to-ban sample; promtool accepts the output', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const work = await swarm.tempDir('vouch-metrics-')
    const tokenFile = path.join(work, 'metrics.token')
    const token = randomBytes(24).toString('base64url')
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 })
    const poisoned = await poisonedSwarm(swarm)
    const serve = await startServe(swarm, home, ['--metrics-port', '0', '--metrics-token-file', tokenFile])
    const metricsUrl = new URL(String(serve.serving.metricsUrl))
    expect(metricsUrl.hostname).toBe('127.0.0.1')
    const prometheus = await startPrometheus(swarm, metricsUrl.host, { bearerTokenFile: tokenFile })

    const done = new Promise<void>((resolve) =>
      serve.api.onEvent((message) => message.event === 'torrent.done' && resolve()),
    )
    await addPoisonedRelease(serve.api, poisoned)
    await withTimeout(done, 60_000, 'the poisoned download to finish')

    // The scrape with the bearer token works (up == 1) and sees what happened.
    await prometheus.until('up{job="vouch"}', (result) => value(result) === 1)
    const bans = await prometheus.until('vouch_bans_total{source="automatic"}', (r) => value(r) >= 1)
    expect(bans.map((sample) => sample.metric.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(poisoned-block|sole-contributor)$/)]),
    )
    await prometheus.until('vouch_bans_active', (r) => value(r) === 1)
    const corrupt = await prometheus.until('vouch_corrupt_bytes_total', (r) => value(r) >= PIECE)
    expect(value(corrupt) % PIECE).toBe(0)
    await prometheus.until('vouch_hash_failures_total', (r) => value(r) === value(corrupt) / PIECE)
    await prometheus.until('vouch_time_to_ban_seconds_count', (r) => value(r) >= 1)
    const median = await prometheus.query('histogram_quantile(0.5, vouch_time_to_ban_seconds_bucket)')
    expect(Number.isFinite(value(median))).toBe(true)
    // On loopback a poisoner is detected within seconds of its first bad block, not minutes.
    expect(value(median)).toBeLessThan(30)
    await prometheus.until('vouch_time_to_contain_seconds_count', (r) => value(r) >= 1)
    await prometheus.until(
      'vouch_provenance_decisions_total{decision="accepted",reason="signed"}',
      (r) => value(r) === 1,
    )
    await prometheus.until('vouch_torrents{state="seeding"}', (r) => value(r) === 1)
    await prometheus.until('vouch_downloaded_bytes_total', (r) => value(r) >= poisoned.payload.bytes.length)

    // The exposition as served passes promtool's own checks.
    const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })
    expect(scraped.status).toBe(200)
    const text = await scraped.text()
    expect(text).toMatch(
      /^vouch_bans_total\{reason="(poisoned-block|sole-contributor)",source="automatic"\} 1$/m,
    )
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0)
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('')

    // Nothing else is served, and nothing without the token.
    expect((await fetch(metricsUrl)).status).toBe(401)
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    const other = new URL('/', metricsUrl)
    expect((await fetch(other, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404)
  })
})
