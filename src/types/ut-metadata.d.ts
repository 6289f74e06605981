declare module 'ut_metadata' {
  import type Wire from 'bittorrent-protocol'
  /** BEP 9: the extension class a wire uses (`wire.use(utMetadata(metadata))`), as a wire holds it. */
  export interface UtMetadata {
    metadata: Uint8Array | null
    setMetadata(metadata: Uint8Array): Promise<boolean>
    fetch(): void
  }
  export default function utMetadata(metadata?: Uint8Array | null): new (wire: Wire) => UtMetadata
}
