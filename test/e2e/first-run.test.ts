/**
 * First run: a fresh clone has no renderer/dist (it is ignored by git), and `npm install` (or
 * `npm ci`) must leave `npx vouch serve` serving the UI. npm runs the root package's `prepare`
 * script after installing dependencies; this test checks both halves: that this npm does run
 * `prepare` on install and ci, and that a clone of HEAD whose `prepare` has run serves the UI.
 * (The clone borrows this checkout's node_modules instead of downloading the dependencies again.)
 */
import { execFile } from 'node:child_process'
import { access, readFile, realpath, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, QUIET_FLAGS, VouchProcess } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'
import { CHROMIUM } from './harness.ts'

const run = promisify(execFile)
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  )

describe('first run from a fresh clone', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())

  it('this npm runs the root package’s prepare script on npm install and npm ci', async () => {
    const dir = await swarm.tempDir('vouch-npm-')
    const marker = path.join(dir, 'prepared.txt')
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: 'prepare-probe',
        version: '1.0.0',
        private: true,
        scripts: { prepare: `node -e "require('fs').appendFileSync('prepared.txt', 'ran ')"` },
      }),
    )
    const npm = (args: string[]) =>
      run('npm', [...args, '--offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: 60_000 })
    await npm(['install'])
    expect(await readFile(marker, 'utf8')).toBe('ran ')
    await npm(['ci'])
    expect(await readFile(marker, 'utf8')).toBe('ran ran ')
  })

  it('builds the UI in prepare, then `vouch serve` serves it to a browser', async () => {
    const clone = path.join(await swarm.tempDir('vouch-clone-'), 'vouch')
    await run('git', ['clone', '--quiet', PROJECT_ROOT, clone], { timeout: 60_000 })
    expect(await exists(path.join(clone, 'renderer/dist'))).toBe(false)
    const { scripts } = JSON.parse(await readFile(path.join(clone, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(scripts.prepare).toBeDefined()
    await symlink(await realpath(path.join(PROJECT_ROOT, 'node_modules')), path.join(clone, 'node_modules'))
    // What npm install runs once the dependencies are in place.
    await run('npm', ['run', 'prepare'], { cwd: clone, timeout: 120_000 })
    expect(await exists(path.join(clone, 'renderer/dist/index.html'))).toBe(true)

    const home = await swarm.tempDir('vouch-home-')
    const serve = new VouchProcess(['--json', '--home', home, 'serve', ...QUIET_FLAGS], {
      script: path.join(clone, 'bin/vouch.js'),
      cwd: clone,
    })
    swarm.defer(async () => void (await serve.stop('SIGKILL')))
    const serving = await serve.json<{ url: string }>((line) => line.event === 'serving')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    })
    swarm.defer(() => browser.close())
    const page = await browser.newPage()
    const response = await page.goto(serving.url)
    expect(response?.status()).toBe(200)
    await page.getByText('No torrents yet').waitFor({ timeout: 15_000 })
    expect((await serve.stop('SIGTERM')).code).toBe(0)
  })
})
