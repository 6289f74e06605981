import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { isVouchError } from '../../../src/errors.ts'
import { RULES_VERSION, RulesSchema } from '../../../src/rules/config.ts'
import { defaultRules, openRules, rulesPath } from '../../../src/rules/defaults.ts'
import { tempDir } from '../../kit/swarm.ts'

describe('the rules without a rules.json (no zod on the get path)', () => {
  it('are exactly what the schema fills in for an empty rules file', () => {
    expect(defaultRules()).toStrictEqual(RulesSchema.parse({ version: RULES_VERSION }))
  })

  it('are a fresh object each time (a caller may change its copy)', () => {
    const first = defaultRules()
    first.multiDial.exempt.push('10.0.0.0/8')
    expect(defaultRules().multiDial.exempt).toEqual([])
  })

  it('openRules gives the defaults without a file, the validated file when there is one', async () => {
    const home = await tempDir('vouch-rules-open-')
    expect(await openRules(home)).toStrictEqual(defaultRules())
    await writeFile(rulesPath(home), JSON.stringify({ version: 1, banMs: 5000, strikes: { threshold: 7 } }))
    const rules = await openRules(home)
    expect(rules.banMs).toBe(5000)
    expect(rules.strikes).toEqual({ threshold: 7, halfLifeMs: 30 * 60 * 1000 })
  })

  it('openRules refuses a malformed file, naming the field', async () => {
    const home = await tempDir('vouch-rules-open-')
    await writeFile(rulesPath(home), JSON.stringify({ version: 1, banMs: 'soon' }))
    const error = await openRules(home).catch((caught: unknown) => caught)
    expect(isVouchError(error) && error.code).toBe('bad-input')
    expect((error as Error).message).toMatch(/banMs/)
  })
})
