/**
 * Vitest globalSetup: build the renderer when renderer/dist is missing or older than its sources,
 * so a fresh clone's `npm test` has a UI to serve before the e2e tests start.
 */
import { execFile } from 'node:child_process'
import { readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('../../', import.meta.url))
const rendererDir = path.join(root, 'renderer')
const distIndex = path.join(rendererDir, 'dist', 'index.html')

async function newestSource(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(full) : (await stat(full)).mtimeMs)
  }
  return newest
}

export async function rendererIsStale(): Promise<boolean> {
  const built = await stat(distIndex).then(
    (info) => info.mtimeMs,
    () => 0,
  )
  const sources = Math.max(
    await newestSource(rendererDir),
    (await stat(path.join(root, 'src/api/contract.ts'))).mtimeMs,
  )
  return built < sources
}

export default async function setup(): Promise<void> {
  if (!(await rendererIsStale())) return
  // Build beside the old output and swap, so a concurrent run never serves a half-written dist.
  const outDir = path.join(rendererDir, `dist.building-${process.pid}`)
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      path.join(rendererDir, 'vite.config.ts'),
      '--outDir',
      outDir,
      '--logLevel',
      'warn',
    ],
    { cwd: root, timeout: 120_000 },
  )
  await rm(path.join(rendererDir, 'dist'), { recursive: true, force: true })
  await rename(outDir, path.join(rendererDir, 'dist'))
}
