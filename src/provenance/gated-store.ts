/**
 * A chunk store that stays shut until provenance approves the torrent. Passed as WebTorrent's
 * `store` option (the per-torrent gate travels in `storeOpts`), it holds the options WebTorrent
 * gives it and opens the real file store only on approval, so before that nothing can touch the
 * disk: every put() and get() fails, no file or directory is created. "Nothing written until
 * accepted" holds by construction, not by trusting the piece selection.
 */
import FSChunkStore from 'fs-chunk-store'

type Callback = (error: Error | null, buffer?: Uint8Array) => void

/** One torrent's gate, shared by the plugin (which approves it) and the store (which obeys it). */
export class StoreGate {
  #approved = false
  readonly #stores = new Set<GatedChunkStore>()

  get approved(): boolean {
    return this.#approved
  }

  approve(): void {
    if (this.#approved) return
    this.#approved = true
    for (const store of this.#stores) store.open()
  }

  /** Called by the store's constructor. */
  register(store: GatedChunkStore): void {
    this.#stores.add(store)
    if (this.#approved) store.open()
  }
}

export class StoreClosedError extends Error {
  constructor() {
    super('provenance: the store accepts no reads or writes until an envelope is accepted')
    this.name = 'StoreClosedError'
  }
}

/** The store the gate opens on approval (default fs-chunk-store; the engine passes its bounded one). */
export type InnerStoreClass = new (chunkLength: number, options: Record<string, unknown>) => FSChunkStore

export interface GatedStoreOptions {
  gate: StoreGate
  innerStore?: InnerStoreClass
  [key: string]: unknown
}

export class GatedChunkStore {
  readonly chunkLength: number
  readonly #options: GatedStoreOptions
  #inner: FSChunkStore | null = null
  #closed = false

  constructor(chunkLength: number, options: GatedStoreOptions) {
    if (!(options?.gate instanceof StoreGate)) throw new TypeError('GatedChunkStore needs storeOpts.gate')
    this.chunkLength = Number(chunkLength)
    this.#options = options
    options.gate.register(this)
  }

  /** Opened by the gate on approval: only now does a real store (and any file) come to exist. */
  open(): void {
    if (this.#inner || this.#closed) return
    const { gate: _gate, innerStore: Inner = FSChunkStore, ...options } = this.#options
    this.#inner = new Inner(this.chunkLength, options)
  }

  put(index: number, buffer: Uint8Array, cb: (error: Error | null) => void = () => {}): void {
    if (!this.#inner) return queueMicrotask(() => cb(new StoreClosedError()))
    this.#inner.put(index, buffer, cb)
  }

  get(index: number, options: Record<string, unknown> | Callback | null, cb?: Callback): void {
    const callback = typeof options === 'function' ? options : (cb ?? (() => {}))
    if (!this.#inner) return queueMicrotask(() => callback(new StoreClosedError()))
    this.#inner.get(index, typeof options === 'function' ? null : options, callback)
  }

  close(cb: (error: Error | null) => void = () => {}): void {
    this.#closed = true
    if (!this.#inner) return queueMicrotask(() => cb(null))
    this.#inner.close(cb)
  }

  destroy(cb: (error: Error | null) => void = () => {}): void {
    this.#closed = true
    if (!this.#inner) return queueMicrotask(() => cb(null))
    this.#inner.destroy(cb)
  }
}
