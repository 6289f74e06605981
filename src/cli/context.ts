import type { Command } from 'commander'
import { resolveHome } from '../engine/paths.ts'
import { ReputationStore } from '../reputation/store.ts'

/** Options every command understands (declared on the root program). */
export interface GlobalOptions {
  json: boolean
  home: string
  /** `--insecure-key-permissions`: use secret key files other users can read. */
  insecureKeyPermissions?: boolean
}

export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<{
    json?: boolean
    home?: string
    insecureKeyPermissions?: boolean
  }>()
  return {
    json: options.json ?? false,
    home: resolveHome(options.home),
    insecureKeyPermissions: options.insecureKeyPermissions ?? false,
  }
}

/** Human text on stdout, or one JSON document with --json. */
export function report(options: GlobalOptions, human: string, data: unknown): void {
  if (options.json) process.stdout.write(`${JSON.stringify(data)}\n`)
  else process.stdout.write(`${human}\n`)
}

/** Progress and notes go to stderr so stdout stays clean for --json and pipes. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** Opens HOME's reputation store for `use` and closes it afterwards, whether `use` succeeds or throws. */
export function withStore<T>(
  global: GlobalOptions,
  use: (store: ReputationStore) => T | Promise<T>,
): Promise<T> {
  const store = ReputationStore.openInHome(global.home)
  return Promise.resolve()
    .then(() => use(store))
    .finally(() => store.close())
}
