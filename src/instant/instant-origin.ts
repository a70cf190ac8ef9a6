/**
 * Which Instant server a db talks to, for log lines: the origin of its API URI only (scheme,
 * host, port), never a path, query string or credential.
 */

/** The default API of both clients, when a db does not say. */
const INSTANT_CLOUD_ORIGIN = 'https://api.instantdb.com'

/**
 * The origin of `db`'s API URI: this kit's client shows `apiURI` in `toJSON()`, and
 * `@instantdb/admin` keeps it in `config.apiURI`.
 */
export function instantOrigin(db: unknown): string {
  if (typeof db !== 'object' || db === null) return INSTANT_CLOUD_ORIGIN
  let apiURI: unknown
  try {
    const { config, toJSON } = db as { config?: unknown; toJSON?: unknown }
    if (typeof config === 'object' && config !== null)
      apiURI = (config as { apiURI?: unknown }).apiURI
    if (apiURI === undefined && typeof toJSON === 'function')
      apiURI = (toJSON.call(db) as { apiURI?: unknown } | null)?.apiURI
  } catch {
    // A db whose getters throw still gets a log line.
  }
  if (typeof apiURI !== 'string') return INSTANT_CLOUD_ORIGIN
  try {
    return new URL(apiURI).origin
  } catch {
    return 'an invalid API URI'
  }
}
