/**
 * `checkRules`: what is wrong with a rules object, without a running Local Instant, for tools
 * that load rules files and want to report each problem with its file.
 */
import { createCelCompiler, type CelCompiler } from './cel.js'
import { createPermissions, type Permissions } from './permissions.js'
import type { RulesProblem } from './rules-check.js'

export type { RulesProblem } from './rules-check.js'

/** Built at first use: the CEL environment is the expensive part. */
let checker: Permissions | undefined
let compiler: CelCompiler | undefined

/**
 * Checks permission rules as `setRules` and `startLocalInstant({ rules })` do, and returns every
 * problem (an empty list when the rules are good): unknown keys (`allwo`, an action `veiw`),
 * values of the wrong type, binds, and expressions that do not compile. Each problem's
 * `message` starts with the rule's path.
 *
 * @param rules - Instant's rules object (what `instant.perms.ts` exports), or its JSON text.
 * @example
 * const problems = checkRules({ todos: { allow: { create: 'auth.id = data.ownerId' } } })
 * // [{ path: ['todos', 'allow', 'create'], message: 'todos.allow.create: Unexpected character: =' }]
 */
export function checkRules(rules: unknown): RulesProblem[] {
  compiler ??= createCelCompiler()
  checker ??= createPermissions(compiler)
  return checker.validate(rules)
}
