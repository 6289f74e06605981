import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { HostilePeer, MESSAGE_ID } from '../kit/hostile-wire.ts'
import { startUi, type UiHarness } from './harness.ts'

describe('the web UI in Chromium: a hostile wire', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('shows a protocol-violation ban with the message and its declared length', async () => {
    ui = await startUi()
    const { page, backend } = ui
    // A magnet held by the provenance gate: the attacker needs nothing but its infohash.
    const infoHash = randomBytes(20).toString('hex')
    await ui.call('torrents.add', { source: `magnet:?xt=urn:btih:${infoHash}` })
    const hostile = await HostilePeer.connect({ port: backend.engine.port, infoHash })
    ui.swarm.defer(async () => hostile.destroy())
    await hostile.streamOversized({ id: MESSAGE_ID.bitfield, declaredLength: 1 << 30, streamBytes: 1 << 20 })
    expect(await hostile.closedWithin(5000)).toBe(true)

    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    const banRow = page.getByRole('row', { name: new RegExp(hostile.host.replaceAll('.', '\\.')) })
    await banRow.waitFor({ timeout: 10_000 })
    const text = (await banRow.textContent()) ?? ''
    expect(text).toContain('Sent a wire message its type does not allow')
    expect(text).toContain(`bitfield message (id 5) of ${1 << 30} bytes`)
    await ui.screenshot('13-protocol-violation-ban')
  })
})
