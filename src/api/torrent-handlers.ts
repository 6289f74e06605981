/**
 * The torrent commands (`torrents.*`): add from a magnet, an infohash or a file, offer envelopes to
 * a held magnet, remove, pause, resume, peers, files, limits, details. Apart from service.ts so the
 * add path and what it remembers of each add (the name a late refusal shows) live in one place.
 */
import { addressKey } from '../defence/address.ts'
import type { Engine } from '../engine/engine.ts'
import { parseTorrentBytes, resolveSource, type TorrentSource } from '../engine/source.ts'
import { isVouchError, VouchError } from '../errors.ts'
import type { Decision } from '../provenance/policy.ts'
import type { EnvelopeCandidate } from '../provenance/torrent.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { ReputationStore } from '../reputation/store.ts'
import type { AddResult, OfferResult, TorrentDetailsView } from './contract.ts'
import type { Handlers } from './dispatcher.ts'
import { envelopesInText, refusalFrom, thresholdOf } from './refusal-answers.ts'
import { pinnedNames, type TorrentViews } from './torrent-views.ts'

export interface AddRequest {
  allowUnsigned?: boolean
  peers?: string[]
}

export interface TorrentCommandsContext {
  engine: Engine
  views: TorrentViews
  trust: TrustStore
  reputation: ReputationStore
  /** Offer envelopes for a held magnet (ProvenancePlugin.offerEnvelopes); absent without the gate. */
  offerEnvelopes?:
    ((infoHash: string, envelopes: readonly EnvelopeCandidate[]) => Promise<Decision>) | undefined
}

type TorrentHandlers = Pick<
  Handlers,
  | 'torrents.list'
  | 'torrents.add'
  | 'torrents.addFile'
  | 'torrents.offerEnvelope'
  | 'torrents.remove'
  | 'torrents.pause'
  | 'torrents.resume'
  | 'torrents.addPeer'
  | 'torrents.details'
  | 'torrents.setFiles'
  | 'torrents.setLimits'
  | 'torrents.reannounce'
>

export class TorrentCommands {
  /** What the user added, by infohash: named in a refusal that comes after the add returned. */
  readonly names = new Map<string, string>()
  readonly #engine: Engine
  readonly #views: TorrentViews
  readonly #context: TorrentCommandsContext
  /** Adds under way, by infohash. */
  readonly #adding = new Map<string, number>()

  constructor(context: TorrentCommandsContext) {
    this.#engine = context.engine
    this.#views = context.views
    this.#context = context
  }

  /** Add from a magnet link, an infohash or a .torrent path (the Electron shell's argv and open-url). */
  async add(input: string, request: AddRequest = {}): Promise<AddResult> {
    let source: TorrentSource
    try {
      source = await resolveSource(input)
    } catch (error) {
      if (isVouchError(error)) throw error
      throw new VouchError('bad-input', `cannot read ${input}: ${(error as Error).message}`)
    }
    return this.#add(source, input, request)
  }

  handlers(): TorrentHandlers {
    return {
      'torrents.list': () => this.#views.list(),
      'torrents.add': ({ source, ...request }) => {
        // Paths are for the desktop shell's argv only: the UI must not make the engine read files.
        if (!/^magnet:/i.test(source) && !/^([0-9a-f]{40}|[a-z2-7]{32})$/i.test(source)) {
          throw new VouchError(
            'bad-input',
            'expected a magnet link or an infohash (open .torrent files with torrents.addFile)',
          )
        }
        return this.add(source, request)
      },
      'torrents.addFile': async ({ fileName, contentBase64, ...request }) => {
        const bytes = new Uint8Array(Buffer.from(contentBase64, 'base64'))
        const parsed = await parseTorrentBytes(bytes, fileName)
        // No origin path: a file name from the UI must never lead the gate to read a sidecar from disk.
        return this.#add({ kind: 'torrent-file', bytes, parsed, origin: '' }, fileName, request)
      },
      'torrents.offerEnvelope': ({ infoHash, text }) => this.#offer(infoHash, text),
      'torrents.remove': async ({ infoHash, deleteData }) => {
        const known = this.#engine.statsFor(infoHash) !== undefined
        await this.#engine.remove(infoHash, { deleteData: deleteData ?? false })
        this.#views.provenance.delete(infoHash)
        this.names.delete(infoHash)
        return { removed: known }
      },
      'torrents.pause': async ({ infoHash }) => {
        await this.#engine.pause(infoHash)
        return this.#views.publishUpdate(infoHash)
      },
      'torrents.resume': async ({ infoHash }) => {
        await this.#engine.resume(infoHash)
        return this.#views.publishUpdate(infoHash)
      },
      'torrents.addPeer': async ({ infoHash, address }) => ({
        added: await this.#engine.addPeer(infoHash, address),
      }),
      'torrents.details': ({ infoHash }) => this.#details(infoHash),
      'torrents.setFiles': async ({ infoHash, files }) => {
        await this.#engine.setFilePriorities(infoHash, files)
        return this.#details(infoHash)
      },
      'torrents.setLimits': async ({ infoHash, ...limits }) => {
        await this.#engine.setTorrentLimits(infoHash, limits)
        return this.#details(infoHash)
      },
      'torrents.reannounce': async ({ infoHash }) => {
        if (!(await this.#engine.reannounce(infoHash))) {
          throw new VouchError(
            'bad-input',
            'this torrent has no tracker and the DHT is off: nothing to announce to',
            {
              infoHash,
            },
          )
        }
        return { ok: true as const }
      },
    }
  }

  torrentName(infoHash: string): string | null {
    const stats = this.#engine.statsFor(infoHash)
    return stats?.hasMetadata ? stats.name : (this.names.get(infoHash) ?? null)
  }

  /** The engine's details, with what the reputation store knows of each connected address. */
  async #details(infoHash: string): Promise<TorrentDetailsView> {
    const details = await this.#engine.details(infoHash)
    const store = this.#context.reputation
    return {
      ...details,
      peers: details.peers.map((peer) => {
        const key = peer.address ? addressKey(peer.address) : ''
        const record = key ? store.peers({ address: key, limit: 1 })[0] : undefined
        return {
          ...peer,
          score: record?.score ?? null,
          banned: key !== '' && store.banFor(key) !== undefined,
        }
      }),
    }
  }

  async #offer(infoHash: string, text: string): Promise<OfferResult> {
    const offer = this.#context.offerEnvelopes
    if (!offer) throw new VouchError('bad-input', 'this engine has no provenance gate to offer envelopes to')
    const decision = await offer(infoHash, envelopesInText(text))
    if (decision.accepted) {
      // The gate audits the acceptance (observeAudit sets the badge); answer with the same names.
      const pinned = await pinnedNames(this.#context.trust)
      const publishers = decision.signers.map(({ fingerprint }) => ({
        fingerprint,
        name: pinned.get(fingerprint) ?? fingerprint,
      }))
      this.#views.publishQuietly(infoHash)
      return { status: 'accepted', infoHash, publishers }
    }
    return {
      status: 'refused',
      refusal: {
        code: decision.reason,
        reason: decision.message,
        source: 'offered envelope',
        infoHash,
        publisher: null,
        ...thresholdOf(decision.threshold),
      },
    }
  }

  async #add(source: TorrentSource, label: string, request: AddRequest): Promise<AddResult> {
    const infoHash = source.parsed.infoHash ?? null
    // Known before the add returns: the gate may refuse a magnet as soon as its metadata arrives.
    const parsedName = (source.parsed as { name?: unknown }).name
    if (infoHash) this.names.set(infoHash, typeof parsedName === 'string' && parsedName ? parsedName : label)
    const listed = infoHash !== null && this.#engine.statsFor(infoHash) !== undefined
    const key = infoHash ?? ''
    this.#adding.set(key, (this.#adding.get(key) ?? 0) + 1)
    try {
      // An add made while another of the same torrent is under way waits for it (engine add-queue.ts):
      // `existing` then says it found the torrent that add put in the list.
      const { torrent, existing } = await this.#engine.addOutcome(source, {
        ...(request.allowUnsigned ? { allowUnsigned: true } : {}),
        ...(request.peers ? { peers: request.peers } : {}),
      })
      const duplicate = listed || existing
      if (request.allowUnsigned) this.#views.provenance.set(torrent.infoHash, { status: 'unsigned-allowed' })
      this.#views.publishQuietly(torrent.infoHash)
      return {
        status: 'added',
        infoHash: torrent.infoHash,
        name: torrent.name ?? torrent.infoHash,
        duplicate,
      }
    } catch (error) {
      // Kept while the torrent is listed or another add of it is under way (it may be admitted).
      if (infoHash && this.#adding.get(key) === 1 && !this.#engine.statsFor(infoHash))
        this.names.delete(infoHash)
      if (isVouchError(error) && error.code === 'refused') {
        return { status: 'refused', refusal: refusalFrom(error, label, infoHash) }
      }
      throw error
    } finally {
      const left = (this.#adding.get(key) ?? 1) - 1
      if (left > 0) this.#adding.set(key, left)
      else this.#adding.delete(key)
    }
  }
}
