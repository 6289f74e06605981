/**
 * HOME holds peer addresses, the audit log and the trust store: other local users have no business
 * reading them. HOME is created 0700 and an existing HOME this user owns is tightened to 0700
 * (which already hides every file in it); the store and trust files are made 0600 besides.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs'

const PRIVATE_DIR = 0o700
const PRIVATE_FILE = 0o600

function tighten(target: string, mode: number): void {
  if (process.platform === 'win32') return
  try {
    const stats = statSync(target)
    if ((stats.mode & 0o077) !== 0 && stats.uid === process.getuid?.()) chmodSync(target, mode)
  } catch {
    // Missing (not created yet) or not ours to change: nothing to tighten.
  }
}

/** Create `dir` (and parents) 0700 if missing; tighten it to 0700 if others can read it. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR })
  tighten(dir, PRIVATE_DIR)
}

/** Tighten existing files to 0600 (those missing are skipped). */
export function makePrivateFiles(...files: string[]): void {
  for (const file of files) tighten(file, PRIVATE_FILE)
}

/** A secret key file others may read, as ssh refuses: the mode when so, else null. */
export function sharedKeyMode(mode: number): string | null {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return null
  return `0${(mode & 0o777).toString(8)}`
}
