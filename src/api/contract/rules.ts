/**
 * The contract's ban rules: HOME/rules.json as the Rules screen edits it, and a dry run of rules
 * over the recorded peers. Part of src/api/contract.ts, which re-exports all of it.
 */
import { z } from 'zod'
import { BAN_REASONS } from '../../defence/ban-store.ts'
import { RuleEvidenceSchema } from './bans.ts'

/** HOME/rules.json as the Rules screen edits it. */
export const RulesViewSchema = z.object({
  file: z.string(),
  /** The file's text, or the defaults written out when there is no file. */
  text: z.string(),
  /** True when no rules.json exists and the defaults apply. */
  isDefault: z.boolean(),
})

export const DryRunSchema = z.object({
  peers: z.number().int().nonnegative(),
  observations: z.number().int().nonnegative(),
  findings: z.array(
    z.object({
      address: z.string(),
      outcome: z.enum(['ban', 'shadow', 'strikes']),
      reason: z.enum(BAN_REASONS),
      strikes: z.number().int().nonnegative(),
      verdicts: z.array(
        z.object({
          action: z.enum(['ban', 'strike', 'shadow']),
          reason: z.enum(BAN_REASONS),
          note: z.string(),
          evidence: RuleEvidenceSchema,
        }),
      ),
    }),
  ),
})

export type RulesView = z.output<typeof RulesViewSchema>
export type DryRun = z.output<typeof DryRunSchema>
