import { readFileSync } from 'node:fs'

/** The version in Vouch's package.json (found from the source tree or from dist/). */
export function vouchVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const data = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string
        version?: string
      }
      if (data.name === 'vouch' && data.version) return data.version
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}
