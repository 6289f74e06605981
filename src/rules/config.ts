/**
 * The rules file, HOME/rules.json (every field: docs/rules.md): versioned, validated with zod,
 * and conservative when absent. Every rule says what it does when it fires: `ban` (close and
 * block the address), `strike` (count towards `strikes.threshold`), or `shadow` (stay connected,
 * never upload to it). Errors name the field that is wrong.
 */
import { rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { VouchError } from '../errors.ts'
import { defaultRules, readHomeRules, RULES_FILE, RULES_VERSION, rulesPath } from './defaults.ts'
import { compileLinear, MAX_PATTERN_LENGTH } from './linear-regexp.ts'

export { defaultRules, RULES_FILE, RULES_VERSION, rulesPath }

export const RULE_ACTIONS = ['ban', 'strike', 'shadow'] as const
export type RuleAction = (typeof RULE_ACTIONS)[number]

const action = z.enum(RULE_ACTIONS)
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a short id: lowercase letters, digits, . _ -')
const duration = z
  .number()
  .int()
  .min(1000)
  .max(365 * 24 * 3600 * 1000)

export const ClientRuleSchema = z
  .strictObject({
    id,
    /** `peerId`: the 20-byte ID as text (bytes above 0x7e shown as `.`); `client`: the extended handshake's `v`. */
    field: z.enum(['peerId', 'client']),
    match: z.enum(['prefix', 'contains', 'exact', 'regex']),
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH),
    caseInsensitive: z.boolean().default(false),
    action,
    enabled: z.boolean().default(true),
    note: z.string().max(200).default(''),
  })
  .superRefine((rule, context) => {
    if (rule.match !== 'regex') return
    const compiled = compileLinear(rule.pattern, rule.caseInsensitive)
    if (!compiled.ok) context.addIssue({ code: 'custom', path: ['pattern'], message: compiled.reason })
  })

export const ProgressRuleSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * Haves and bitfields in this window after the handshake set the starting point, not progress:
   * lazy bitfields and late bitfield messages send a seed's pieces as haves right after connecting.
   */
  graceMs: z.number().int().min(0).max(600_000).default(20_000),
  /** Claimed pieces we did not send and no other connected peer had, tolerated before it counts. */
  slackPieces: z.number().int().min(0).max(100_000).default(4),
  /** …or this fraction of the torrent, whichever is larger. */
  slackFraction: z.number().min(0).max(1).default(0.05),
  /** Progress claimed ahead of what we uploaded while we were its only source. */
  aheadAction: action.default('shadow'),
  /** Distinct requests for pieces the peer itself claimed to have, before the rule fires. */
  claimedRequests: z.number().int().min(1).max(10_000).default(4),
  claimedRequestsAction: action.default('ban'),
  /** A later bitfield of the same peer ID that claims fewer pieces than it had already claimed. */
  rewindPieces: z.number().int().min(1).max(100_000).default(2),
  rewindAction: action.default('strike'),
  /** Uploaded to one address (per distinct peer ID, up to 4) beyond this many times the torrent's size. */
  maxDownloadRatio: z.number().min(1).max(100).default(1.5),
  overDownloadAction: action.default('ban'),
})

export const MultiDialRuleSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Open connections to one torrent from one IPv4 /24 or IPv6 /56 above which the rule fires. */
  maxConnections: z.number().int().min(1).max(1000).default(8),
  ipv4Prefix: z.number().int().min(8).max(32).default(24),
  ipv6Prefix: z.number().int().min(16).max(128).default(56),
  /** Networks never counted (a known NAT or reverse proxy in front of many peers), CIDR. */
  exempt: z.array(z.string().max(64)).max(1000).default([]),
  action: action.default('ban'),
})

export const IdleRuleSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A connection where the peer, unchoked and missing pieces we have, asks for nothing this long. */
  idleMs: z
    .number()
    .int()
    .min(1000)
    .max(24 * 3600 * 1000)
    .default(10 * 60 * 1000),
  action: action.default('strike'),
})

/** A command run on ban or lift, with address, reason, torrent and expiry appended as arguments. */
export const HookSchema = z.strictObject({
  command: z.string().min(1).max(4096),
  args: z.array(z.string().max(4096)).max(64).default([]),
})

export const RulesSchema = z.strictObject({
  version: z.literal(RULES_VERSION),
  client: z.array(ClientRuleSchema).max(1000).default([]),
  progress: ProgressRuleSchema.default(ProgressRuleSchema.parse({})),
  multiDial: MultiDialRuleSchema.default(MultiDialRuleSchema.parse({})),
  idle: IdleRuleSchema.default(IdleRuleSchema.parse({})),
  strikes: z
    .strictObject({
      /** Rule strikes that make a ban; strikes halve every `halfLifeMs`. */
      threshold: z.number().int().min(1).max(1000).default(3),
      halfLifeMs: duration.default(30 * 60 * 1000),
    })
    .default({ threshold: 3, halfLifeMs: 30 * 60 * 1000 }),
  /** First ban for a rule, in ms (escalates like the defence's bans). */
  banMs: duration.default(60 * 60 * 1000),
  hooks: z
    .strictObject({
      onBan: HookSchema.optional(),
      onLift: HookSchema.optional(),
      timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    })
    .default({ timeoutMs: 5000 }),
})

export type Rules = z.output<typeof RulesSchema>
export type RulesInput = z.input<typeof RulesSchema>
export type ClientRule = z.output<typeof ClientRuleSchema>

/** Validate a parsed document; throws VouchError('bad-input') naming each wrong field. */
export function parseRules(value: unknown, origin = RULES_FILE): Rules {
  const result = RulesSchema.safeParse(value)
  if (result.success) return result.data
  const problems = result.error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`)
  throw new VouchError('bad-input', `${origin} is not a valid rules file: ${problems.join('; ')}`, {
    file: origin,
    problems,
  })
}

/** Parse rules.json text. */
export function parseRulesText(text: string, origin = RULES_FILE): Rules {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new VouchError('bad-input', `${origin} is not JSON: ${(error as Error).message}`, { file: origin })
  }
  return parseRules(value, origin)
}

/** HOME/rules.json, or the defaults when there is none. */
export async function loadRules(home: string): Promise<{ rules: Rules; text: string | null }> {
  const text = await readHomeRules(home)
  if (text === null) return { rules: defaultRules(), text: null }
  return { rules: parseRulesText(text, rulesPath(home)), text }
}

/** Validate, then replace HOME/rules.json atomically (temp file and rename). */
export async function saveRules(home: string, text: string): Promise<Rules> {
  const file = rulesPath(home)
  const rules = parseRulesText(text, RULES_FILE)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 })
  await rename(temporary, file)
  return rules
}
