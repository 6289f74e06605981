/**
 * Regular expressions from rules.json run on peer IDs and client names that remote peers choose,
 * so they must not be matched by a backtracking engine (`^(a+)+$` on a crafted name would stall the
 * event loop that also serves the UI). V8 ships a linear-time engine (an automaton, no
 * backtracking) behind `--enable-experimental-regexp-engine`; with it the `l` flag compiles a
 * pattern for that engine, and a pattern it cannot run in linear time (backreferences,
 * lookahead) is refused at compile time. See docs/decisions.md ("Rules: linear-time regular
 * expressions").
 */
import { setFlagsFromString } from 'node:v8'

let available: boolean | undefined
/** The flag that selects V8's linear engine (ESLint's RegExp checker does not know it). */
const LINEAR_FLAG = 'l'

function probe(): void {
  new RegExp('a', LINEAR_FLAG)
}

/** Turn on V8's linear engine (once per process) and report whether the `l` flag works. */
export function linearRegExpAvailable(): boolean {
  if (available !== undefined) return available
  try {
    probe()
    available = true
  } catch {
    setFlagsFromString('--enable-experimental-regexp-engine')
    try {
      probe()
      available = true
    } catch {
      available = false
    }
  }
  return available
}

/** Longest pattern accepted: the automaton's size grows with it. */
export const MAX_PATTERN_LENGTH = 256

export type LinearRegExpResult = { ok: true; regexp: RegExp } | { ok: false; reason: string }

/** Compile `pattern` for the linear engine, or say why not. Never throws. */
export function compileLinear(pattern: string, caseInsensitive = false): LinearRegExpResult {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return { ok: false, reason: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters` }
  if (!linearRegExpAvailable())
    return { ok: false, reason: 'this Node has no linear-time regular expression engine' }
  try {
    return { ok: true, regexp: new RegExp(pattern, caseInsensitive ? `${LINEAR_FLAG}i` : LINEAR_FLAG) }
  } catch (error) {
    const message = (error as Error).message
    return {
      ok: false,
      reason: /linear time/i.test(message)
        ? 'the pattern cannot be matched in linear time (backreferences and lookahead are not allowed)'
        : message,
    }
  }
}
