import { createEngine } from '../engine/create-engine.ts'
import type { Engine, EngineOptions } from '../engine/engine.ts'
import type { InternalErrorLog } from './dispatcher.ts'
import { ApiService } from './service.ts'

export interface BackendOptions {
  engine: EngineOptions
  version: string
  logInternal?: InternalErrorLog
}

/** The engine with every feature module attached, and the API service over it. */
export interface Backend {
  engine: Engine
  service: ApiService
  close(): Promise<void>
}

/**
 * Open the engine the way every shell runs it (provenance gate on), and the API over it. `vouch
 * serve` and the Electron main process both call this, so neither holds engine logic of its own.
 */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  const engine = await createEngine(options.engine)
  const service = new ApiService({
    engine,
    version: options.version,
    ...(options.logInternal ? { logInternal: options.logInternal } : {}),
  })
  return {
    engine,
    service,
    async close() {
      service.close()
      await engine.close()
    },
  }
}
