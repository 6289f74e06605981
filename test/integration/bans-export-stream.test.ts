import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Ban } from '../../src/defence/ban-store.ts'
import { pseudonymise, pseudonymKey } from '../../src/reputation/pseudonym.ts'
import { buildReport, REPORT_FORMATS, type ReportFormat } from '../../src/reputation/report.ts'
import { reportPieces } from '../../src/reputation/report-stream.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { EXIT } from '../../src/cli/exit-codes.ts'
import { runVouch, VouchProcess } from '../kit/cli.ts'
import { tempDir, withTimeout } from '../kit/swarm.ts'

/** More bans than the store writes per batch (500) and than one output chunk holds (64 KiB). */
const BANS = 3000

/** Bans of every shape a report meets: IPv4 and IPv6, ranges, evidence, rule facts, awkward notes. */
function variedBan(index: number): Ban {
  const at = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
  const base: Ban = {
    address: at,
    rangeEnd: null,
    reason: 'poisoned-block',
    source: 'automatic',
    evidence: { infoHash: 'ab'.repeat(20), piece: index, offset: 16384, badDigest: 'aa', goodDigest: 'bb' },
    note: '',
    createdAt: 1_700_000_000_000 + index,
    expiresAt: index % 7 === 0 ? 4_000_000_000_000 + index : null,
  }
  switch (index % 5) {
    case 1:
      return { ...base, address: `2001:db8:${index.toString(16)}:1::/64`, reason: 'sole-contributor' }
    case 2:
      return {
        ...base,
        rangeEnd: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.255`,
        address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.0`,
        reason: 'imported',
        source: 'imported',
        evidence: null,
        note: `list "${index}", with, commas\nand a line break`,
      }
    case 3:
      return {
        ...base,
        reason: 'progress-cheat',
        evidence: null,
        rule: { rule: 'progress', kind: 'progress-ahead', infoHash: null, facts: { ahead: index } },
      }
    default:
      return base
  }
}

describe('vouch bans export streams the report', () => {
  let home: string
  let work: string
  let active: Ban[]

  beforeAll(async () => {
    home = await tempDir('vouch-export-home-')
    work = await tempDir('vouch-export-work-')
    const store = ReputationStore.openInHome(home, { now: () => 1_800_000_000_000 })
    for (let index = 0; index < BANS; index++) store.add(variedBan(index))
    store.close()
    const reader = ReputationStore.openInHome(home)
    active = reader.list()
    reader.close()
    expect(active.length).toBe(BANS)
  })

  /** The report exactly as the in-memory path writes it, at the time the streamed one says it was made. */
  function inMemory(format: ReportFormat, streamed: string, hidden: boolean): string {
    const exportedAt = /"exportedAt": "([^"]+)"/.exec(streamed)?.[1]
    const key = hidden ? pseudonymKey(home) : undefined
    return buildReport(active, format, {
      now: exportedAt ? Date.parse(exportedAt) : 0,
      ...(key ? { pseudonymise: (address: string) => pseudonymise(key, address) } : {}),
    }).text
  }

  it.each(REPORT_FORMATS)('writes the same bytes as the in-memory report in %s', async (format) => {
    const exported = await runVouch(['--home', home, 'bans', 'export', '--format', format], {
      timeoutMs: 60_000,
    })
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stdout.length).toBeGreaterThan(64 * 1024)
    expect(exported.stdout).toBe(inMemory(format, exported.stdout, false))
    if (format === 'p2p' || format === 'dat') expect(exported.stderr).toMatch(/600 IPv6 bans left out/)
  })

  it.each(['json', 'csv'] as const)('writes the same bytes pseudonymised in %s', async (format) => {
    const exported = await runVouch(
      ['--home', home, 'bans', 'export', '--format', format, '--pseudonymise'],
      {
        timeoutMs: 60_000,
      },
    )
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stdout).toBe(inMemory(format, exported.stdout, true))
  })

  it('writes the same bytes to --out and reports the counts', async () => {
    const out = path.join(work, 'bans.dat')
    const exported = await runVouch(
      ['--home', home, '--json', 'bans', 'export', '--format', 'dat', '--out', out],
      {
        timeoutMs: 60_000,
      },
    )
    expect(exported.code, exported.stderr).toBe(0)
    expect(JSON.parse(exported.stdout)).toMatchObject({ ok: true, included: BANS - 600, omitted: 600 })
    expect(await readFile(out, 'utf8')).toBe(inMemory('dat', '', false))
  })

  it('stops quietly when its reader goes away (vouch bans export | head -1)', async () => {
    const exporting = new VouchProcess(['--home', home, 'bans', 'export', '--format', 'csv'])
    await exporting.line(() => true)
    exporting.child.stdout?.destroy()
    const exit = await withTimeout(exporting.exited, 30_000, 'bans export to exit once its reader left')
    expect(exit, exporting.stderr).toEqual({ code: 0, signal: null })
    expect(exporting.stderr).toBe('')
  })

  it('fails with an error when stdout cannot take the report (a full disk)', async () => {
    // It used to stop at the first failed write and exit 0, the report silently cut short.
    const exported = await runVouch(['--home', home, 'bans', 'export', '--format', 'csv'], {
      stdoutPath: '/dev/full',
    })
    expect(exported.code).toBe(EXIT.internal)
    expect(exported.stderr).toMatch(/could not write the report: ENOSPC/)
  })

  it('frames an empty report as the in-memory path does, in every format', () => {
    for (const format of REPORT_FORMATS) {
      const counts = { included: 0, omitted: 0 }
      const options = { now: 1_800_000_000_000 }
      expect([...reportPieces([], format, options, counts)].join(''), format).toBe(
        buildReport([], format, options).text,
      )
      const one = [variedBan(4)]
      expect([...reportPieces(one, format, options, counts)].join(''), format).toBe(
        buildReport(one, format, options).text,
      )
    }
  })
})
