import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { adversary, behaviours } from '../kit/adversaries.ts'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher, signedPayload } from './publisher.ts'

/** The eMule form pads each octet to three digits. */
function padded(address: string): string {
  return address
    .split('.')
    .map((octet) => octet.padStart(3, '0'))
    .join('.')
}

describe('the web UI in Chromium: defence and reputation', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('shows a poisoner in the bans and peers views, exports the report in every format, and lifts the ban', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await signedPayload(swarm, publisher, {
      bytes: 2 * 1024 * 1024,
      pieceLength: 32 * 1024,
      name: 'contested.iso',
    })
    const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
    const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())

    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page
      .getByLabel('Connect to peers directly')
      .fill([...honest, poisoner].map((seeder) => seeder.address).join(' '))
    await page.getByLabel('.torrent file').setInputFiles(payload.signedTorrentPath)
    await page.getByText(`Banned ${poisoner.host}`).waitFor({ timeout: 30_000 })
    await page.locator('tr[data-done="true"]').waitFor({ timeout: 60_000 })
    await ui.screenshot('11-poisoned-download-complete', { notices: true })

    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    const banRow = page.getByRole('row', { name: new RegExp(poisoner.host.replaceAll('.', '\\.')) })
    await banRow.waitFor()
    expect(await banRow.textContent()).toMatch(/differed from the verified piece|failed its hash/)
    expect(await banRow.textContent()).toContain('automatic')
    for (const seeder of honest) {
      expect(
        await page.getByRole('row', { name: new RegExp(seeder.host.replaceAll('.', '\\.')) }).count(),
      ).toBe(0)
    }
    await ui.screenshot('12-bans')

    const exported: Record<string, string> = {}
    for (const [format, label] of [
      ['json', 'JSON'],
      ['csv', 'CSV'],
      ['p2p', 'PeerGuardian P2P'],
      ['dat', 'eMule ipfilter.dat'],
    ] as const) {
      await page.getByLabel('Report format').selectOption({ label })
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export report' }).click(),
      ])
      exported[format] = await readFile(await download.path(), 'utf8')
      expect(download.suggestedFilename(), format).toBe(
        format === 'dat' ? 'ipfilter.dat' : `vouch-bans.${format}`,
      )
    }
    const json = JSON.parse(exported.json ?? '') as { bans: { address: string; reason: string }[] }
    expect(json.bans.map((ban) => ban.address)).toEqual([poisoner.host])
    expect(exported.csv).toContain(`${poisoner.host},`)
    expect(exported.p2p).toContain(`:${poisoner.host}-${poisoner.host}`)
    expect(exported.dat).toContain(`${padded(poisoner.host)} - ${padded(poisoner.host)} , 000 ,`)
    for (const seeder of honest) expect(Object.values(exported).join('\n')).not.toContain(seeder.host)

    await page.getByRole('button', { name: 'Peers', exact: true }).click()
    const peerRow = page.locator(`tr[data-address="${poisoner.host}"]`)
    await peerRow.waitFor()
    expect(await peerRow.getAttribute('data-banned')).toBe('true')
    await expect.poll(() => page.locator('tr[data-address]').count()).toBeGreaterThanOrEqual(3)
    await ui.screenshot('13-peers')

    await page.getByRole('button', { name: 'Activity', exact: true }).click()
    // The poisoned piece shows on the chart as a hash-failure bar.
    await page.getByRole('img', { name: /[1-9]\d* pieces? failed (its|their) hash/ }).waitFor()
    expect(await page.locator('.chart .failure-bar').count()).toBeGreaterThan(0)
    await ui.screenshot('14-activity')

    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    await page.getByRole('button', { name: `Lift the ban on ${poisoner.host}` }).click()
    await page.getByText('No active bans').waitFor()
    expect(await ui.call('bans.list', {})).toEqual([])
  })
})
