/**
 * `instant-express-auth/testing`: rules unit tests and endpoint tests on Local Instant, from the
 * project's own `instant.schema.ts` and `instant.perms.ts`. After Firebase's
 * `@firebase/rules-unit-testing`: an environment, a context per identity, `assertSucceeds` /
 * `assertFails`, seeding with rules off, clearing between tests, and rule coverage. Development
 * only: it needs Local Instant's optional peers.
 *
 * @example
 * ```ts
 * import { initializeTestEnvironment, assertFails } from 'instant-express-auth/testing'
 * const env = await initializeTestEnvironment()
 * ```
 *
 * @packageDocumentation
 */
export { initializeTestEnvironment } from './environment.js'
export { assertFails, assertSucceeds, InstantTestAssertionError } from './assertions.js'
export type {
  AuthenticatedContext,
  InstantTestEnvironment,
  TestUser,
  UnauthenticatedContext,
} from './environment.js'
export type { TestEnvironmentOptions } from './options.js'
export type { PermissionDenial, PermissionDeniedError } from './assertions.js'
export type { RuleCoverage, RuleCoverageFiles } from './coverage.js'
