/**
 * Build the renderer into renderer/dist, the folder `vouch serve` and Electron load the UI from.
 * `npm install` and `npm ci` run it as the root package's `prepare` script, so a fresh clone has a
 * UI to serve; the e2e tests' global setup runs it with `--if-stale`. The build goes beside the old
 * output and is swapped in, so a server running meanwhile never serves a half-written folder.
 *
 *   node scripts/build-renderer.ts [--if-stale]
 */
import { execFile } from 'node:child_process'
import { access, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url))
const RENDERER_DIR = path.join(PROJECT_ROOT, 'renderer')
const DIST_DIR = path.join(RENDERER_DIR, 'dist')
const VITE = path.join(PROJECT_ROOT, 'node_modules/vite/bin/vite.js')
const BUILD_TIMEOUT_MS = 120_000

async function newestSource(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('dist.building-') || entry.name === 'node_modules')
      continue
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(full) : (await stat(full)).mtimeMs)
  }
  return newest
}

/** True when renderer/dist is missing or older than a renderer source or the API contract. */
export async function rendererIsStale(): Promise<boolean> {
  const built = await stat(path.join(DIST_DIR, 'index.html')).then(
    (info) => info.mtimeMs,
    () => 0,
  )
  const sources = Math.max(
    await newestSource(RENDERER_DIR),
    (await stat(path.join(PROJECT_ROOT, 'src/api/contract.ts'))).mtimeMs,
  )
  return built < sources
}

export async function buildRenderer(): Promise<void> {
  const outDir = path.join(RENDERER_DIR, `dist.building-${process.pid}`)
  try {
    await promisify(execFile)(
      process.execPath,
      [
        VITE,
        'build',
        '--config',
        path.join(RENDERER_DIR, 'vite.config.ts'),
        '--outDir',
        outDir,
        '--logLevel',
        'warn',
      ],
      { cwd: PROJECT_ROOT, timeout: BUILD_TIMEOUT_MS },
    )
    await rm(DIST_DIR, { recursive: true, force: true })
    await rename(outDir, DIST_DIR)
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale')
  if (
    !(await access(VITE).then(
      () => true,
      () => false,
    ))
  ) {
    // `npm install --omit=dev` has no Vite: say so, but do not fail the install over the UI.
    process.stderr.write('vouch: the UI was not built: Vite (a devDependency) is not installed\n')
  } else if (!ifStale || (await rendererIsStale())) {
    await buildRenderer()
    process.stdout.write(`vouch: built the UI into ${path.relative(process.cwd(), DIST_DIR) || DIST_DIR}\n`)
  }
}
