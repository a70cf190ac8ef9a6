/** Option checks shared by the factories: run once, at factory time. */
import { isInstantAuthDb, type InstantAuthDb } from '../core/instant-db.js'

/** Catches `app.use(factory)` (the factory passed instead of called), like helmet does. */
export function assertOptionsObject(
  options: unknown,
  factory: string,
): asserts options is Record<string, unknown> {
  if (typeof options === 'object' && options !== null) {
    const looksLikeRequest =
      (options as { constructor?: { name?: unknown } }).constructor?.name === 'IncomingMessage' ||
      ('headers' in options && 'method' in options && 'url' in options)
    if (looksLikeRequest) {
      throw new TypeError(
        `It looks like you did app.use(${factory}); call it with options instead: app.use(${factory}({ db })).`,
      )
    }
    return
  }
  throw new TypeError(`${factory}(options) needs an options object, e.g. ${factory}({ db }).`)
}

/** `db` must be an Instant admin client: ours or `@instantdb/admin`. */
export function assertDb(db: unknown): asserts db is InstantAuthDb {
  if (!isInstantAuthDb(db)) {
    throw new TypeError(
      '`db` must be an Instant admin client: init({ appId, adminToken }) from instant-express-auth/admin or @instantdb/admin.',
    )
  }
}

/** A mount path: starts with "/", no query string. */
export function assertPath(value: unknown, option: string): asserts value is string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.includes('?') ||
    value.includes('#')
  ) {
    throw new TypeError(`\`${option}\` must be a path starting with "/", e.g. "/sign-in".`)
  }
}

/** True when `url` (as mounted: Express and Connect strip the mount prefix) is `path`. */
export function matchesPath(url: string | undefined, path: string): boolean {
  if (url === undefined) return false
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  if (pathname === path) return true
  // Express's default (non-strict) routing also accepts one trailing slash.
  return pathname.length === path.length + 1 && pathname.endsWith('/') && pathname.startsWith(path)
}
