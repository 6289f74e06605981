import type { Command } from 'commander'
import { ObservationLog, recordedPeers } from '../../reputation/observations.ts'
import { loadRules, parseRulesText, rulesPath, type Rules } from '../../rules/config.ts'
import { readRulesFile } from '../../rules/defaults.ts'
import { dryRun, type DryRunResult } from '../../rules/dry-run.ts'
import { globalOptions, report, withStore } from '../context.ts'

export function describeDryRun(result: DryRunResult, origin: string): string {
  const lines = [
    `${origin}: replayed ${result.peers} peer records and ${result.observations} torrent observations`,
  ]
  if (result.findings.length === 0) lines.push('no peer would have been banned, shadow-banned or struck')
  for (const finding of result.findings) {
    const what =
      finding.outcome === 'ban'
        ? `would ban (${finding.reason})`
        : finding.outcome === 'shadow'
          ? 'would shadow-ban'
          : `${finding.strikes} strike${finding.strikes === 1 ? '' : 's'}, no ban`
    lines.push(`${finding.address.padEnd(24)} ${what}`)
    for (const verdict of finding.verdicts) lines.push(`    ${verdict.action}: ${verdict.note}`)
  }
  return lines.join('\n')
}

async function rulesFrom(file: string | undefined, home: string): Promise<{ rules: Rules; origin: string }> {
  if (file === undefined) {
    const loaded = await loadRules(home)
    return { rules: loaded.rules, origin: loaded.text === null ? 'default rules' : rulesPath(home) }
  }
  return { rules: parseRulesText(await readRulesFile(file), file), origin: file }
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('ban rules beyond hash failures (HOME/rules.json)')
  rules
    .command('test')
    .description(
      'replay the recorded peer history and print which peers the rules would have banned, and why',
    )
    .argument('[file]', 'a rules file to try (default: HOME/rules.json, or the defaults)')
    .action(async (file: string | undefined, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const { rules: chosen, origin } = await rulesFrom(file, global.home)
      await withStore(global, (store) => {
        const observations = new ObservationLog(store.database)
        const result = dryRun(chosen, recordedPeers(store.database), observations.all())
        report(global, describeDryRun(result, origin), { ok: true, rules: origin, ...result })
      })
    })
}
