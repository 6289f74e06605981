import type { Command } from 'commander'
import type { Torrent } from 'webtorrent'
import { isWireEvidence } from '../../defence/ban-store.ts'
import { VouchError } from '../../errors.ts'
import { createEngine } from '../../engine/create-engine.ts'
import { parsePeerAddress, type Engine } from '../../engine/engine.ts'
import { parseTorrentBytes, resolveSource, type TorrentSource } from '../../engine/source.ts'
import { openWithReputation } from '../../reputation/wiring.ts'
import { globalOptions, note, report, type GlobalOptions } from '../context.ts'
import { engineOptionsFrom, withNetworkOptions, type NetworkFlags } from '../engine-options.ts'
import { progressView } from '../progress.ts'
import { refuseEarly } from '../refuse-early.ts'

interface GetFlags extends NetworkFlags {
  out?: string
  peer?: string[]
  allowUnsigned?: boolean
  recheck?: boolean
  timeout: string
}

export function parseSeconds(text: string, flag: string): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0)
    throw new VouchError('usage', `${flag} must be a positive number of seconds, not '${text}'`)
  return value
}

/**
 * Resolves when the torrent is done. Rejects with a network error when nothing arrives for
 * `stallMs` (no metadata, no bytes), or with the torrent's own fatal error.
 */
export function waitUntilDone(engine: Engine, torrent: Torrent, stallMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastBytes = -1
    let lastChange = Date.now()
    const finish = (error?: Error) => {
      clearInterval(poll)
      torrent.off('done', onDone)
      offError()
      if (error) reject(error)
      else resolve()
    }
    const onDone = () => finish()
    const offError = engine.events.on('error', (event) => {
      if (event.infoHash === null || event.infoHash === torrent.infoHash)
        // Provenance refusing the metadata keeps its own code (exit 3); anything else is the network.
        finish(new VouchError(event.code === 'refused' ? 'refused' : 'network', event.message))
    })
    const poll = setInterval(() => {
      const bytes = torrent.ready ? torrent.received : -1
      if (bytes !== lastBytes) {
        lastBytes = bytes
        lastChange = Date.now()
      } else if (Date.now() - lastChange > stallMs) {
        const what = torrent.ready
          ? `no data arrived for ${Math.round(stallMs / 1000)} s`
          : `no peer sent the metadata within ${Math.round(stallMs / 1000)} s`
        finish(
          new VouchError('network', `timed out: ${what} (${torrent.numPeers} peers connected)`, {
            infoHash: torrent.infoHash,
          }),
        )
      }
    }, 250)
    if (torrent.done) finish()
    else torrent.once('done', onDone)
  })
}

/**
 * The engine exactly as `vouch get` runs it (the bench measures this one too). Provenance on:
 * unsigned torrents and magnets are refused unless --allow-unsigned. The reputation store
 * (HOME/vouch.db) keeps bans and the audit log, where provenance records its acceptances,
 * refusals and --allow-unsigned overrides. `close` shuts the engine, then the store.
 */
export async function openGetEngine(
  global: GlobalOptions,
  flags: NetworkFlags,
): Promise<{ engine: Engine; close: () => Promise<void> }> {
  const engineOptions = engineOptionsFrom(global, flags)
  return openWithReputation(global.home, (reputation) =>
    createEngine({
      ...engineOptions,
      ...reputation.engineOptions(),
      provenance: { unsignedMagnets: 'refuse' },
    }),
  )
}

export function registerGet(program: Command): void {
  withNetworkOptions(
    program
      .command('get')
      .description('download a .torrent, magnet link or infohash, verify it, and exit')
      .argument('<source>', '.torrent file, magnet link or infohash')
      .option('--out <dir>', 'download directory (default: HOME/downloads)')
      .option('--peer <host:port...>', 'connect to these peers directly')
      .option(
        '--allow-unsigned',
        'override the provenance policy for this torrent (recorded in the audit log)',
      )
      .option('--timeout <seconds>', 'give up when nothing arrives for this long', '120')
      .option(
        '--recheck',
        'after the download, read every piece back from disk and check its hash again (exit 4 if one differs)',
      ),
  ).action(async (source: string, flags: GetFlags, command: Command) => {
    const global = globalOptions(command)
    const stallMs = parseSeconds(flags.timeout, '--timeout') * 1000
    // Bad input fails here, before a socket, the store or a download directory is opened.
    const parsedSource = await resolveSource(source)
    const peers = (flags.peer ?? []).map(parsePeerAddress)
    // Usage errors (a bad --port) come before the provenance refusal, as for every other flag.
    engineOptionsFrom(global, flags)
    await refuseEarly(global.home, parsedSource, flags.allowUnsigned ?? false)
    const { engine, close } = await openGetEngine(global, flags)
    const view = progressView(process.stderr, !global.json)
    const offProgress = engine.events.on('progress', (stats) => view.update(stats))
    // A --peer that is banned is never dialled: say so now, and again if nothing arrives.
    const bannedPeers: string[] = []
    const offWarning = engine.events.on('warning', (warning) => {
      if (warning.code !== 'peer-banned') return
      bannedPeers.push(warning.message)
      note(`warning: ${warning.message}`)
    })
    // Bans as they happen: the poisoner's address, why, and the piece that proved it.
    const offBan = engine.events.on('ban', (ban) => {
      const evidence =
        ban.evidence && !isWireEvidence(ban.evidence)
          ? `, piece ${ban.evidence.piece}`
          : ban.evidence
            ? `, ${ban.evidence.violation}`
            : ''
      note(`banned ${ban.address}: ${ban.reason}${evidence} (${ban.connectionsClosed} connections closed)`)
    })
    try {
      const started = Date.now()
      const torrent = await engine.add(parsedSource, {
        ...(flags.out ? { downloadDir: flags.out } : {}),
        peers,
        allowUnsigned: flags.allowUnsigned ?? false,
        remember: false,
      })
      await waitUntilDone(engine, torrent, stallMs).catch((error: unknown) => {
        if (!(error instanceof VouchError) || error.code !== 'network' || bannedPeers.length === 0)
          throw error
        throw new VouchError('network', `${error.message}; ${bannedPeers.join('; ')}`, {
          ...error.details,
          bannedPeers,
        })
      })
      const finalStats = engine.statsFor(torrent.infoHash)
      if (finalStats) view.update({ ...finalStats, progress: 1 })
      view.stop()
      // Every piece was SHA-1-checked before it was stored; reading it all back is opt-in
      // (docs/decisions.md, "vouch get: the re-check of data on disk is opt-in").
      const pieces = torrent.pieces.length
      const check = flags.recheck ? await recheckOnDisk(torrent, parsedSource) : null
      if (check && !check.ok) {
        throw new VouchError(
          'integrity',
          `downloaded data failed verification: ${check.badPieces.length} of ${check.pieces} pieces differ`,
          {
            infoHash: torrent.infoHash,
            badPieces: check.badPieces.slice(0, 20),
          },
        )
      }
      const seconds = (Date.now() - started) / 1000
      report(
        global,
        `downloaded and verified ${torrent.name} (${torrent.length} bytes, ${pieces} pieces${check ? ', re-checked on disk' : ''}) in ${seconds.toFixed(1)} s → ${torrent.path}`,
        {
          ok: true,
          infoHash: torrent.infoHash,
          name: torrent.name,
          length: torrent.length,
          path: torrent.path,
          pieces,
          rechecked: check !== null,
          seconds,
        },
      )
    } finally {
      view.stop()
      offProgress()
      offWarning()
      offBan()
      await close()
    }
  })
}

/**
 * Read every piece of `torrent` back from disk (`--recheck`). That needs the piece hashes and the
 * files: a .torrent given here was decoded once already (about 250 ms for 20 000 files), a magnet's
 * metadata is decoded now.
 */
async function recheckOnDisk(torrent: Torrent, source: TorrentSource) {
  const parsed =
    source.kind === 'torrent-file' && source.parsed.infoHash === torrent.infoHash
      ? source.parsed
      : await parseTorrentBytes(torrent.torrentFile, torrent.name)
  const { verifyOnDisk } = await import('../../engine/verify.ts')
  return await verifyOnDisk(parsed, torrent.path)
}

export { note }
