/**
 * Loading an optional peer dependency at first use. An app that only mounts the routers and the
 * middleware never needs SQLite, CEL or nodemailer, so they are not installed with the package;
 * the parts that need them (Local Instant, `smtpEmail`) load them here and, when they are
 * missing, fail at once with the exact command that installs them.
 */
import { createRequire } from 'node:module'

// Resolved from this file, so from the app's node_modules, like a static import would be.
const requireFromHere = createRequire(import.meta.url)

/** The `code` of the error thrown when an optional dependency is not installed. */
const MISSING_DEPENDENCY = 'INSTANT_MISSING_DEPENDENCY'

/** What needs the dependency and how to install it, for the error message. */
interface OptionalDependencyUse {
  /** Who needs it, e.g. `'Local Instant'` or `'smtpEmail()'`. */
  feature: string
  /** The exact command that installs everything `feature` needs. */
  install: string
}

/**
 * `require(name)`, or an `Error` with code {@link MISSING_DEPENDENCY} naming the package and the
 * install command when `name` itself is not installed. Any other failure (a broken native build,
 * a missing dependency of `name`) is rethrown as it is: the install command would not fix it.
 *
 * @example
 * ```ts
 * const nodemailer = requireOptional<typeof import('nodemailer')>('nodemailer', {
 *   feature: 'smtpEmail()',
 *   install: 'npm install nodemailer@^10.6.0',
 * })
 * ```
 */
export function requireOptional<T>(name: string, use: OptionalDependencyUse): T {
  try {
    return requireFromHere(name) as T
  } catch (error) {
    if (!isNotFound(error, name)) throw error
    throw Object.assign(
      new Error(
        `${use.feature} needs the package "${name}", an optional peer dependency of ` +
          `instant-express-auth that is not installed. Install it with: ${use.install}`,
        { cause: error },
      ),
      { code: MISSING_DEPENDENCY },
    )
  }
}

/** Node's "cannot find module" for `name` itself, not for something `name` requires. */
function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    code === 'MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.startsWith(`Cannot find module '${name}'`)
  )
}
