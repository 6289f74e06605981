import { existsSync } from 'node:fs'
import path from 'node:path'

/**
 * The torrents named on a command line: magnet links and existing .torrent files. The OS passes
 * them when the user opens a .torrent with Vouch or clicks a magnet link (on Windows and Linux, as
 * argv of a new instance, which `second-instance` hands to the running one). Flags, the Electron
 * binary and the app path are skipped.
 */
export function torrentArgs(argv: readonly string[], cwd = process.cwd()): string[] {
  const found: string[] = []
  for (const arg of argv.slice(1)) {
    if (/^magnet:\?/i.test(arg)) found.push(arg)
    else if (!arg.startsWith('-') && arg.toLowerCase().endsWith('.torrent')) {
      const file = path.resolve(cwd, arg)
      if (existsSync(file)) found.push(file)
    }
  }
  return found
}
