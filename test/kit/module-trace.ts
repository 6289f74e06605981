/**
 * `node --import ./test/kit/module-trace.ts …`: records the URL of every module the process
 * resolves and, when it exits, writes them one per line to the file named by VOUCH_MODULE_TRACE.
 * Tests use it to check which modules a CLI command loads.
 */
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const out = process.env.VOUCH_MODULE_TRACE
if (out) {
  const loaded = new Set<string>()
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context)
      loaded.add(resolved.url)
      return resolved
    },
  })
  process.once('exit', () => writeFileSync(out, [...loaded].join('\n')))
}
