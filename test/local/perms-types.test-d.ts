import { describe, expectTypeOf, it } from 'vitest'
import {
  checkRules,
  type LocalInstant,
  type RuleCoverageRow,
  type RulesProblem,
} from 'instant-express-auth/local'

declare const local: LocalInstant

describe('rules types of instant-express-auth/local', () => {
  it('checkRules returns problems with a path and a message', () => {
    expectTypeOf(checkRules).parameter(0).toEqualTypeOf<unknown>()
    expectTypeOf(checkRules({})).toEqualTypeOf<RulesProblem[]>()
    expectTypeOf<RulesProblem['path']>().toEqualTypeOf<readonly string[]>()
    expectTypeOf<RulesProblem['message']>().toEqualTypeOf<string>()
  })

  it('ruleCoverage rows name the rule and count its runs', () => {
    expectTypeOf(local.ruleCoverage()).toEqualTypeOf<RuleCoverageRow[]>()
    expectTypeOf<RuleCoverageRow>().toEqualTypeOf<{
      namespace: string
      action: string
      rule: string
      evaluated: number
      allowed: number
      denied: number
      errors: number
    }>()
    expectTypeOf(local.resetRuleCoverage()).toEqualTypeOf<void>()
    // @ts-expect-error ruleCoverage takes no arguments
    local.ruleCoverage('todos')
  })
})
