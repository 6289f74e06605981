#!/usr/bin/env node
// Entry point for `npx vouch`. The CLI is TypeScript run by Node 24's type stripping; npm puts the
// project's pinned Node 24 (devDependency `node`) first on PATH for `npx` and `npm run`.
import module from 'node:module'

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `vouch: Node ${process.versions.node} is too old; Vouch needs Node 24 (run it through npx or npm run, which use the pinned node@24)\n`,
  )
  process.exit(70)
}
// Node keeps the compiled code of every module it loads in a cache directory (NODE_COMPILE_CACHE,
// else the OS temp dir), so later runs skip parsing and compiling; a command starts in a fraction
// of the time. Failing to enable it (read-only temp dir) only costs that speed.
module.enableCompileCache?.()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
