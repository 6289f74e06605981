import { ObservationLog, recordedPeers } from '../reputation/observations.ts'
import type { ReputationStore } from '../reputation/store.ts'
import { defaultRules, loadRules, parseRulesText, rulesPath, saveRules } from '../rules/config.ts'
import { dryRun } from '../rules/dry-run.ts'
import type { RulesPlugin } from '../rules/live.ts'
import type { RulesView } from './contract.ts'
import type { Handlers } from './dispatcher.ts'

export interface RulesContext {
  home: string
  store: ReputationStore
  /** The engine's live rules, reloaded on save; null when the engine runs without them. */
  live: RulesPlugin | null
}

type RulesHandlers = Pick<Handlers, 'rules.get' | 'rules.set' | 'rules.test'>

/** The Rules screen's commands: read, save (validated, applied live) and dry-run rules.json. */
export function rulesHandlers(context: RulesContext): RulesHandlers {
  const view = async (): Promise<RulesView> => {
    const loaded = await loadRules(context.home)
    return {
      file: rulesPath(context.home),
      text: loaded.text ?? `${JSON.stringify(defaultRules(), null, 2)}\n`,
      isDefault: loaded.text === null,
    }
  }
  return {
    'rules.get': view,
    'rules.set': async ({ text }) => {
      const rules = await saveRules(context.home, text)
      context.live?.reload(rules)
      context.store.record({
        type: 'rules.changed',
        subject: rulesPath(context.home),
        details: { via: 'ui' },
      })
      return view()
    },
    'rules.test': async ({ text }) => {
      const rules =
        text === undefined ? (await loadRules(context.home)).rules : parseRulesText(text, 'the rules')
      const observations = new ObservationLog(context.store.database)
      return dryRun(rules, recordedPeers(context.store.database), observations.all())
    },
  }
}
