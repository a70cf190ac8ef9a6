/**
 * The data routes, thin wrappers around the data engine: `/admin/query` and `/admin/transact`,
 * run as the caller the credentials resolve (admin, a user's token, an email, or a guest).
 */
import type { Auth } from '../auth/index.js'
import type { DataEngine } from '../data/index.js'
import { paramMalformed, paramMissing } from '../errors.js'
import type { Credentials } from './credentials.js'
import { isPresent, type Routes } from './request.js'

export function dataRoutes(auth: Auth, engine: DataEngine, credentials: Credentials): Routes {
  return [
    [
      'POST /admin/query',
      (r) => {
        const query = r.body['query']
        if (!isPresent(query)) throw paramMissing(['body', 'query'])
        if (typeof query !== 'object' || Array.isArray(query)) {
          throw paramMalformed(['body', 'query'], query)
        }
        const caller = credentials.resolveCaller(r)
        return engine.query(r.body, caller)
      },
    ],
    [
      'POST /admin/transact',
      (r) => {
        const steps = r.body['steps']
        if (!isPresent(steps)) throw paramMissing(['body', 'steps'])
        if (typeof steps !== 'object') throw paramMalformed(['body', 'steps'], steps)
        const caller = credentials.resolveCaller(r)
        try {
          return engine.transact(r.body, caller)
        } finally {
          // The engine may have changed $users attributes: drop cached verify answers.
          auth.invalidate()
        }
      },
    ],
  ]
}
