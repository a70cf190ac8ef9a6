/**
 * The signup checks of Instant's `app_user.clj` (`assert-signup!`), run by the auth side before
 * it creates a user: `extra-fields` must name custom `$users` attributes, and on runtime routes
 * the `$users.allow.create` rule must pass.
 */
import { validationFailed } from '../errors.js'
import type { AttrRegistry } from './attrs.js'
import { celRequest, toCelMap } from './cel.js'
import { permissionDenied } from './engine-errors.js'
import type { GraphReader } from './graph.js'
import type { Permissions } from './permissions.js'

/** What the checks need from the engine. */
interface SignupDeps {
  attrs: AttrRegistry
  permissions: Permissions
  reader: GraphReader
}

/**
 * `validate-extra-fields!`: each key must be an attribute of `$users` (declared by the schema or
 * created by a transaction) and not a system one. Runs for admin routes too.
 */
export function checkUserFields(deps: SignupDeps, fields: Record<string, unknown>): void {
  for (const key of Object.keys(fields)) {
    // Instant seeks by forward identity: a reverse link label is not a `$users` field.
    const link = deps.attrs.link('$users', key)
    const attrId = deps.attrs.data('$users', key)?.id ?? (link?.forward ? link.attr.id : undefined)
    if (attrId === undefined) {
      throw validationFailed('extra-fields', fields, [
        { message: `Unknown field: ${key}. It must be defined in your $users schema.` },
      ])
    }
    if (attrId.startsWith('sys-')) {
      throw validationFailed('extra-fields', fields, [
        { message: `Cannot set system field: ${key}` },
      ])
    }
  }
}

/**
 * `assert-create-permission!`: evaluates `$users.allow.create` (that path only) with `auth`,
 * `data` and `newData` all set to the user about to be created, `{ id, email?, ...extraFields }`.
 * Without the rule, signup is allowed unless extra fields are set. Throws `permission-denied`.
 */
export function checkSignup(
  deps: SignupDeps,
  user: { id: string } & Record<string, unknown>,
  hasExtraFields: boolean,
): void {
  const program = deps.permissions.signupProgram()
  if (!program) {
    if (hasExtraFields) throw permissionDenied('$users', 'create', { action: 'create' })
    return
  }
  // The user does not exist yet, but a guest being upgraded keeps its id, so refs can resolve.
  const ref = (path: string): unknown[] => {
    const segments = path.split('.')
    if (segments[0] === '$user') segments.shift()
    return deps.reader.ref('$users', user.id, segments)
  }
  const vars = {
    auth: toCelMap(user, ref),
    data: toCelMap(user, ref),
    newData: toCelMap(user),
    ruleParams: toCelMap({}),
    request: celRequest(Object.keys(user)),
  }
  if (!deps.permissions.check(program, vars)) {
    throw permissionDenied('$users', 'create', { action: 'create', rule: program })
  }
}
