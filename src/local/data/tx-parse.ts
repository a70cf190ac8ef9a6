/**
 * Validates `/admin/transact` steps into entity steps (namespace, reference, arguments) and raw
 * attribute steps, with Instant's `validation-failed` errors.
 */
import { validationError } from './engine-errors.js'
import { parseEntityRef, type EntityRef } from './ids.js'
import { isRecord } from './is-record.js'

const ENTITY_ACTIONS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'merge',
  'link',
  'unlink',
  'delete',
  'ruleParams',
])
const ATTR_ACTIONS: ReadonlySet<string> = new Set(['add-attr', 'update-attr', 'delete-attr'])
export const OBJECT_ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'merge'])

/** An entity step: `[action, ns, ref, args?, opts?]`. */
export interface Step {
  idx: number
  action: string
  ns: string
  ref: EntityRef
  args: Record<string, unknown>
  opts: Record<string, unknown>
}

/** An entity step, or an attr step kept raw. */
export type ParsedStep = Step | { idx: number; action: string; raw: unknown[] }

export function parseSteps(steps: unknown[]): ParsedStep[] {
  const invalidStep = (message: string, at?: unknown[]): never => {
    throw validationError('steps', steps, [at ? { message, in: at } : { message }])
  }
  return steps.map((s, idx): ParsedStep => {
    if (!Array.isArray(s) || typeof s[0] !== 'string')
      return invalidStep('Each step must be an array.', [idx])
    const action = s[0]
    if (ATTR_ACTIONS.has(action)) return { idx, action, raw: s }
    if (!ENTITY_ACTIONS.has(action)) return invalidStep(`Unknown action "${action}".`, [idx, 0])
    if (typeof s[1] !== 'string' || s[1] === '')
      return invalidStep('The namespace must be a string.', [idx, 1])
    const ref = parseEntityRef(s[2])
    if (!ref) {
      invalidStep(
        `Invalid entity ID '${typeof s[2] === 'string' ? s[2] : JSON.stringify(s[2])}'. Entity IDs must be UUIDs or lookup references.`,
        [idx, 2],
      )
    }
    const args = s[3] === undefined || s[3] === null ? {} : s[3]
    if (!isRecord(args)) return invalidStep('The step arguments must be an object.', [idx, 3])
    const { id: _dropped, ...rest } = args
    const opts = isRecord(s[4]) ? s[4] : {}
    return { idx, action, ns: s[1], ref: ref as EntityRef, args: rest, opts }
  })
}
