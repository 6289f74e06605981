import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { formatSidecar, magnetWithEnvelopes } from '../../src/provenance/carriers.ts'
import { formatSecretKeyFile, generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { parseBlocklist } from '../../src/reputation/blocklist.ts'
import { verifyReport } from '../../src/reputation/report-signature.ts'
import { adversary, behaviours } from '../kit/adversaries.ts'
import { misnamedEnvelope } from '../kit/provenance.ts'
import { whenDone } from '../kit/swarm.ts'
import { startUi, type UiHarness } from './harness.ts'
import { newPublisher } from './publisher.ts'

describe('the web UI in Chromium: imports, signed reports, offered signatures, late refusals', () => {
  let ui: UiHarness | undefined
  afterEach(async () => {
    await ui?.close()
    ui = undefined
  })

  it('imports a blocklist file: a connected listed peer is cut off, malformed lines are listed, the view updates live', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const payload = await swarm.payload({ bytes: 256 * 1024, name: 'shared.bin' })
    const peer = await swarm.emptyPeer(payload)
    const torrent = await ui.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      downloadDir: await swarm.tempDir(),
      peers: [peer.address],
      remember: false,
    })
    await expect.poll(() => torrent.wires.some((wire) => wire.remoteAddress === peer.host)).toBe(true)

    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    await page.getByText('No active bans').waitFor()
    const list = path.join(payload.dir, 'peers.p2p')
    await writeFile(
      list,
      `# a shared list\nbad peers:${peer.host}-${peer.host}\nnot an entry\n198.51.100.0/24\n`,
    )
    await page.getByLabel('Blocklist file').setInputFiles(list)
    // The listed peer is on 127/8, which an import refuses unless the user says otherwise.
    await page.getByLabel('Also import entries that would ban this machine or more than a /8').check()
    await page.getByRole('button', { name: 'Import blocklist' }).click()

    const result = page.getByRole('status').filter({ hasText: 'peers.p2p' })
    await result.waitFor()
    expect(await result.textContent()).toContain('2 imported')
    expect(await result.textContent()).toContain('1 connections closed')
    expect(await result.textContent()).toContain('line 3')
    await page.locator(`tr[data-address="${peer.host}"]`).waitFor()
    await page.locator('tr[data-address="198.51.100.0"]').waitFor()
    expect(torrent.wires.some((wire) => wire.remoteAddress === peer.host && !wire.destroyed)).toBe(false)
    await ui.screenshot('15-import-blocklist')

    // A list imported behind the UI's back (the store itself) shows up without a reload.
    ui.backend.reputation.store.importBans(parseBlocklist('203.0.113.9\n').entries, { subject: 'elsewhere' })
    await page.locator('tr[data-address="203.0.113.9"]').waitFor({ timeout: 5_000 })
  })

  it('adds a poisoner to the open bans view the moment the defence bans it', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const payload = await swarm.payload({ bytes: 1024 * 1024, pieceLength: 32 * 1024, name: 'contested.bin' })
    const honest = await swarm.seeder(payload)
    const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    await page.getByText('No active bans').waitFor()

    const torrent = await ui.backend.engine.add(payload.torrentPath, {
      allowUnsigned: true,
      peers: [honest.address, poisoner.address],
      remember: false,
    })
    // Nothing but the ban.created event tells the open view: no navigation, no reload.
    await page.locator(`tr[data-address="${poisoner.host}"]`).waitFor({ timeout: 30_000 })
    expect(await page.locator(`tr[data-address="${honest.host}"]`).count()).toBe(0)
    await whenDone(torrent)
  })

  it('signs the exported report with a key file the user picks, and the signature verifies', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    await ui.call('bans.import', {
      fileName: 'one.txt',
      contentBase64: Buffer.from('192.0.2.44\n').toString('base64'),
    })
    const key = generateKey()
    const keyPath = path.join(await swarm.tempDir(), 'me.key')
    await writeFile(keyPath, formatSecretKeyFile(key), { mode: 0o600 })

    await page.goto(ui.server.url)
    await page.getByRole('button', { name: 'Bans', exact: true }).click()
    await page.getByLabel('Report format').selectOption({ label: 'PeerGuardian P2P' })
    await page.getByLabel('Sign with your key file').setInputFiles(keyPath)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export report' }).click(),
    ])
    const text = await readFile(await download.path(), 'utf8')
    expect(text).toContain(':192.0.2.44-192.0.2.44')
    expect(verifyReport(text, key.publicKey)).toMatchObject({ ok: true, format: 'p2p' })
    await page.getByText(`signed by ${key.fingerprint}`).waitFor()
  })

  it('releases a held magnet when the user offers its sidecar file; a stranger’s envelope is refused', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'held-release.iso' })
    const seeder = await swarm.seeder(payload)
    const signed = signTorrent(payload.torrentFile, publisher.key)
    const sidecar = path.join(payload.dir, 'held-release.iso.torrent.vouch')
    await writeFile(sidecar, formatSidecar([signed.envelope]))
    const stranger = formatSidecar([signTorrent(payload.torrentFile, generateKey()).envelope])

    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('Magnet link or infohash').fill(`magnet:?xt=urn:btih:${signed.infoHash}`)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    const offer = page.getByRole('button', { name: /Add signature…/ })
    await offer.waitFor({ timeout: 20_000 })
    await offer.click()

    const dialog = page.getByRole('dialog', { name: /Add a signature/ })
    await dialog.getByLabel('Envelope, sidecar text or signed magnet').fill(stranger)
    await dialog.getByRole('button', { name: 'Check signature' }).click()
    await dialog.getByRole('alert').filter({ hasText: 'unknown-publisher' }).waitFor()
    expect(seeder.requestsReceived).toBe(0)

    await dialog.getByLabel('Sidecar file (.vouch)').setInputFiles(sidecar)
    await expect
      .poll(() => dialog.getByLabel('Envelope, sidecar text or signed magnet').inputValue())
      .toContain(formatSidecar([signed.envelope]).split('\n')[1])
    await ui.screenshot('16-offer-signature')
    await dialog.getByRole('button', { name: 'Check signature' }).click()
    await expect.poll(() => dialog.count()).toBe(0)

    const row = page.locator(`tr[data-infohash="${signed.infoHash}"]`)
    await expect
      .poll(() => row.textContent())
      .toContain(`Signed by Example Releases ${publisher.fingerprint}`)
    await page
      .locator(`tr[data-infohash="${signed.infoHash}"][data-done="true"]`)
      .waitFor({ timeout: 30_000 })
    const { downloadDir } = await ui.call('app.info', {})
    expect((await readFile(path.join(downloadDir, 'held-release.iso'))).equals(payload.bytes)).toBe(true)
  })

  it('shows the gate’s reason and the publisher’s fingerprint when a magnet is refused on its metadata', async () => {
    ui = await startUi()
    const { page, swarm } = ui
    const publisher = newPublisher()
    await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
    const payload = await swarm.payload({ bytes: 512 * 1024, name: 'real-name.iso' })
    const seeder = await swarm.seeder(payload)
    // The pinned publisher's valid signature over the right infohash, but for another name.
    const { facts, envelope } = misnamedEnvelope(payload.torrentFile, publisher.key, 'claimed-name.iso')
    const magnet = magnetWithEnvelopes({ infoHash: facts.infoHash, name: 'claimed-name.iso' }, [envelope])

    await page.goto(ui.server.url)
    await page.getByText('Advanced').click()
    await page.getByLabel('Connect to peers directly').fill(seeder.address)
    await page.getByLabel('Magnet link or infohash').fill(magnet)
    await page.getByRole('button', { name: 'Add', exact: true }).click()

    const dialog = page.getByRole('dialog', { name: /Refused: claimed-name\.iso/ })
    await dialog.waitFor({ timeout: 20_000 })
    const text = await dialog.textContent()
    expect(text).toContain('The signature was made for different metadata.')
    expect(text).toContain('mismatch')
    expect(text).toContain(publisher.fingerprint)
    expect(text).toContain('Example Releases')
    // The key is pinned already: re-pinning would not help, so the dialog does not offer it.
    expect(await dialog.getByRole('button', { name: 'Pin this publisher…' }).count()).toBe(0)
    await ui.screenshot('17-refused-mismatch')
    expect(seeder.requestsReceived).toBe(0)
    // The refused torrent does not linger in the list with the badge of its (mismatched) signature.
    await page.keyboard.press('Escape')
    await page.getByText('No torrents yet').waitFor()
  })
})
