declare module 'fs-chunk-store' {
  export type ChunkCallback = (error: Error | null, buffer?: Uint8Array) => void
  export default class FSChunkStore {
    constructor(chunkLength: number, options?: Record<string, unknown>)
    readonly chunkLength: number
    put(index: number, buffer: Uint8Array, cb?: (error: Error | null) => void): void
    get(index: number, options: Record<string, unknown> | null, cb: ChunkCallback): void
    close(cb?: (error: Error | null) => void): void
    destroy(cb?: (error: Error | null) => void): void
  }
}
