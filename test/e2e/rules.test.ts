import { afterEach, describe, expect, it } from 'vitest'
import { ObservationLog } from '../../src/reputation/observations.ts'
import { startUi, type UiHarness } from './harness.ts'

describe('the web UI in Chromium: the Rules screen', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('shows the defaults, refuses a wrong field, dry-runs the recorded history and saves', async () => {
    ui = await startUi()
    const { page, backend } = ui
    // A peer that took four times the torrent from us, as the live rules would have recorded it.
    const log = new ObservationLog(backend.reputation.store.database)
    log.record({
      address: '192.0.2.44',
      infoHash: 'c'.repeat(40),
      peerIds: [],
      clients: [],
      torrentLength: 8 * 1024 * 1024,
      pieceLength: 256 * 1024,
      bytesUploaded: 32 * 1024 * 1024,
      distinctPeerIds: 1,
      requests: 500,
      aheadPieces: 0,
      claimedRequests: 0,
      rewindPieces: 0,
      groupConnections: 1,
      idleMs: 0,
      firstSeen: 1,
      lastSeen: 2,
    })
    log.flush()

    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Rules', exact: true }).click()
    const editor = page.getByLabel(/rules\.json/)
    await expect.poll(() => editor.inputValue()).toContain('"maxDownloadRatio": 1.5')
    expect(await page.getByText('these are the defaults').count()).toBe(1)

    await page.getByRole('button', { name: 'Dry run' }).click()
    const row = page.locator('tr[data-address="192.0.2.44"]')
    await row.waitFor()
    expect(await row.textContent()).toMatch(
      /Would be banned \(progress-cheat\).*downloaded 32\.0 MiB of a 8\.0 MiB torrent/,
    )

    await editor.fill('{"version":1,"progress":{"maxDownloadRatio":"lots"}}')
    await page.getByRole('button', { name: 'Save rules' }).click()
    expect(await page.getByRole('alert').textContent()).toContain('progress.maxDownloadRatio')

    await editor.fill('{"version":1,"progress":{"maxDownloadRatio":5}}')
    await page.getByRole('button', { name: 'Dry run' }).click()
    await page.getByText('no peer would have been banned').waitFor()
    await page.getByRole('button', { name: 'Save rules' }).click()
    await page.getByText(/Saved to .*rules\.json/).waitFor()
    expect(backend.reputation.rules?.rules.progress.maxDownloadRatio).toBe(5)
    await ui.screenshot('rules-screen')
  })
})
