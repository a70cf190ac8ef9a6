/**
 * `POST /admin/query_perms_check` and `POST /admin/transact_perms_check` (admin/routes.clj
 * `query-perms-check` / `transact-perms-check`), behind `@instantdb/admin`'s `debugQuery` and
 * `debugTransact`: the admin token is required, and so is a user or guest to run as (`as-token`,
 * `as-email` or `as-guest`); an admin caller is refused. The body may carry `rules-override`,
 * `ip-override` and `origin-override`; a transaction is rolled back unless
 * `dangerously-commit-tx` is set and every check passed.
 */
import type { Auth } from '../auth/index.js'
import type { Caller } from '../data/caller.js'
import type { DataEngine, PermsCheckOptions } from '../data/index.js'
import { paramMalformed, paramMissing, validationFailed } from '../errors.js'
import type { Credentials } from './credentials.js'
import { isPresent, type Request, type Routes } from './request.js'

/** `get-perms!` after `req->app-id-authed!`, refusing an admin caller as Instant does. */
function nonAdminCaller(r: Request, credentials: Credentials): Caller {
  credentials.authedAppId(r)
  const caller = credentials.resolveCaller(r)
  if (caller.kind === 'admin') {
    throw validationFailed('non-admin', 'non-admin', [{ message: 'Cannot test perms as admin' }])
  }
  return caller
}

/** `get-optional-param!` with `coerce-non-blank-str`: absent, or a string with a non-blank. */
function optionalText(r: Request, key: string): string | undefined {
  const value = r.body[key]
  if (!isPresent(value)) return undefined
  if (typeof value !== 'string' || value.trim() === '') {
    throw paramMalformed(['body', key], value)
  }
  return value.trim()
}

function optionsOf(r: Request): PermsCheckOptions {
  return {
    rules: r.body['rules-override'] ?? undefined,
    ip: optionalText(r, 'ip-override'),
    origin: optionalText(r, 'origin-override'),
  }
}

export function permsCheckRoutes(auth: Auth, engine: DataEngine, credentials: Credentials): Routes {
  return [
    [
      'POST /admin/query_perms_check',
      (r) => {
        const caller = nonAdminCaller(r, credentials)
        const options = optionsOf(r)
        const query = r.body['query']
        if (!isPresent(query)) throw paramMissing(['body', 'query'])
        if (typeof query !== 'object' || Array.isArray(query)) {
          throw paramMalformed(['body', 'query'], query)
        }
        return engine.queryPermsCheck(r.body, caller, options)
      },
    ],
    [
      'POST /admin/transact_perms_check',
      (r) => {
        const caller = nonAdminCaller(r, credentials)
        const options = optionsOf(r)
        const steps = r.body['steps']
        if (!isPresent(steps)) throw paramMissing(['body', 'steps'])
        if (typeof steps !== 'object') throw paramMalformed(['body', 'steps'], steps)
        const commit = isPresent(r.body['dangerously-commit-tx'])
        try {
          return engine.transactPermsCheck(r.body, caller, { ...options, commit })
        } finally {
          // A committed run may have changed $users attributes: drop cached verify answers.
          if (commit) auth.invalidate()
        }
      },
    ],
  ]
}
