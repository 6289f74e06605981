import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBackend, type Backend } from '../../src/api/backend.ts'
import { createMetrics, type VouchMetrics } from '../../src/server/metrics.ts'
import { PROJECT_ROOT } from '../kit/cli.ts'
import { QUIET_CLIENT, Swarm } from '../kit/swarm.ts'

/** The rows of docs/metrics.md's table: name → type. */
async function documentedMetrics(): Promise<Map<string, string>> {
  const text = await readFile(path.join(PROJECT_ROOT, 'docs/metrics.md'), 'utf8')
  const rows = [...text.matchAll(/^\| `(vouch_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)]
  return new Map(rows.map((row) => [row[1] ?? '', row[2] ?? '']))
}

describe('the metrics, their documentation and the Grafana dashboard', () => {
  const swarm = new Swarm()
  let backend: Backend
  let metrics: VouchMetrics
  let registered: Map<string, string>

  beforeAll(async () => {
    const home = await swarm.tempDir('vouch-home-')
    backend = await openBackend({ engine: { ...QUIET_CLIENT, home, resume: false }, version: 'docs-test' })
    swarm.defer(() => backend.close())
    metrics = createMetrics({
      engine: backend.engine,
      service: backend.service,
      reputation: backend.reputation.store,
      version: 'docs-test',
    })
    swarm.defer(async () => metrics.close())
    const all = await metrics.registry.getMetricsAsJSON()
    registered = new Map(all.map((metric) => [metric.name, String(metric.type)]))
  })
  afterAll(() => swarm.close())

  it('documents every metric with its type in docs/metrics.md, and nothing that is not exported', async () => {
    expect(registered.size).toBeGreaterThanOrEqual(15)
    expect(Object.fromEntries(await documentedMetrics())).toEqual(Object.fromEntries(registered))
  })

  it('names every metric vouch_ and has the ones the issue asks for', () => {
    for (const name of registered.keys()) expect(name).toMatch(/^vouch_[a-z_]+$/)
    for (const name of [
      'vouch_torrents',
      'vouch_downloaded_bytes_total',
      'vouch_uploaded_bytes_total',
      'vouch_peers',
      'vouch_dht_nodes',
      'vouch_hash_failures_total',
      'vouch_corrupt_bytes_total',
      'vouch_bans_total',
      'vouch_bans_active',
      'vouch_provenance_decisions_total',
    ])
      expect(registered.has(name), name).toBe(true)
    expect(registered.get('vouch_time_to_ban_seconds')).toBe('histogram')
    expect(registered.get('vouch_time_to_contain_seconds')).toBe('histogram')
  })

  it('ships a Grafana dashboard that parses and queries only metrics that exist', async () => {
    const text = await readFile(path.join(PROJECT_ROOT, 'docs/grafana-dashboard.json'), 'utf8')
    const dashboard = JSON.parse(text) as {
      title: string
      panels: { title: string; targets: { expr: string }[] }[]
    }
    expect(dashboard.title).toBe('Vouch')
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr))
    expect(exprs.length).toBeGreaterThan(10)
    const series = new Set<string>()
    for (const [name, type] of registered) {
      series.add(name)
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) series.add(name + suffix)
    }
    const used = new Set(exprs.flatMap((expr) => expr.match(/\bvouch_[a-z_]+/g) ?? []))
    for (const name of used) expect(series.has(name), `${name} in the dashboard`).toBe(true)
    // Every exported metric has a panel.
    for (const name of registered.keys()) {
      expect(
        [...used].some((usedName) => usedName === name || usedName.startsWith(`${name}_`)),
        name,
      ).toBe(true)
    }
  })
})
