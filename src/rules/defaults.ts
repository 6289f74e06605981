/**
 * The rules in force when HOME/rules.json is absent, and opening the rules for an engine. Kept
 * apart from config.ts so that `vouch get` and `seed` without a rules.json never load zod (95
 * modules, ~95 ms of start-up): the schema is imported only when there is a file to validate.
 * test/unit/rules/defaults.test.ts checks that these defaults are exactly what the schema fills in.
 */
import path from 'node:path'
import { readBoundedFile } from '../bounded-read.ts'
import { isVouchError } from '../errors.ts'
import type { Rules } from './config.ts'

export const RULES_FILE = 'rules.json'
export const RULES_VERSION = 1

/**
 * The largest rules file read. Far above any hand-written one, and above what the API saves: at
 * most MAX_RULES_TEXT (src/api/contract.ts) characters, 3 bytes each at worst.
 */
export const MAX_RULES_FILE_BYTES = 1024 * 1024

/** What an absent rules.json means: no client rules, the conservative progress, multi-dial and idle rules. */
export function defaultRules(): Rules {
  return {
    version: RULES_VERSION,
    client: [],
    progress: {
      enabled: true,
      graceMs: 20_000,
      slackPieces: 4,
      slackFraction: 0.05,
      aheadAction: 'shadow',
      claimedRequests: 4,
      claimedRequestsAction: 'ban',
      rewindPieces: 2,
      rewindAction: 'strike',
      maxDownloadRatio: 1.5,
      overDownloadAction: 'ban',
    },
    multiDial: {
      enabled: true,
      maxConnections: 8,
      ipv4Prefix: 24,
      ipv6Prefix: 56,
      exempt: [],
      action: 'ban',
    },
    idle: { enabled: true, idleMs: 10 * 60 * 1000, action: 'strike' },
    strikes: { threshold: 3, halfLifeMs: 30 * 60 * 1000 },
    banMs: 60 * 60 * 1000,
    hooks: { timeoutMs: 5000 },
  }
}

export function rulesPath(home: string): string {
  return path.join(home, RULES_FILE)
}

/**
 * A rules file's text, read without trusting it: a regular file of at most MAX_RULES_FILE_BYTES
 * (a FIFO, /dev/zero or a huge file is bad input naming the file, not a hang or memory gone).
 */
export async function readRulesFile(file: string): Promise<string> {
  return (await readBoundedFile(file, MAX_RULES_FILE_BYTES, 'rules')).toString('utf8')
}

/** HOME/rules.json's text, or null when there is none. */
export async function readHomeRules(home: string): Promise<string | null> {
  try {
    return await readRulesFile(rulesPath(home))
  } catch (error) {
    if (isVouchError(error) && error.details.errno === 'ENOENT') return null
    throw error
  }
}

/**
 * HOME/rules.json validated, or the defaults when there is none (for opening an engine). The
 * schema module is imported only when the file exists.
 */
export async function openRules(home: string): Promise<Rules> {
  const text = await readHomeRules(home)
  if (text === null) return defaultRules()
  const { parseRulesText } = await import('./config.ts')
  return parseRulesText(text, rulesPath(home))
}
