import { EventEmitter } from 'node:events'

/** An EventEmitter whose event names and payloads are checked against one map type. */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #emitter = new EventEmitter()

  constructor() {
    this.#emitter.setMaxListeners(0)
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.on(event, listener)
    return () => this.#emitter.off(event, listener)
  }

  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.once(event, listener)
    return () => this.#emitter.off(event, listener)
  }

  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): void {
    this.#emitter.off(event, listener)
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    this.#emitter.emit(event, payload)
  }

  /** Resolves with the first payload for which `predicate` holds; rejects after `timeoutMs`. */
  waitFor<K extends keyof Events & string>(
    event: K,
    predicate: (payload: Events[K]) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#emitter.off(event, listener)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`))
      }, timeoutMs)
      const listener = (payload: Events[K]) => {
        if (!predicate(payload)) return
        clearTimeout(timer)
        this.#emitter.off(event, listener)
        resolve(payload)
      }
      this.#emitter.on(event, listener)
    })
  }
}
