/**
 * Vitest globalSetup: build the renderer when renderer/dist is missing or older than its sources,
 * so the e2e tests always serve the current UI (the same build `npm install` runs as `prepare`).
 */
import { buildRenderer, rendererIsStale } from '../../scripts/build-renderer.ts'

export default async function setup(): Promise<void> {
  if (await rendererIsStale()) await buildRenderer()
}
