/**
 * Version headers the SDK sends on every call. We send the same names with the version of the
 * `@instantdb/admin` wire protocol this client reproduces, so server-side handling keyed on
 * them sees what it would see from that SDK. Instant records them only for tracing.
 */
const WIRE_PROTOCOL_VERSION = 'v1.0.67'

const VERSION_HEADERS = {
  'Instant-Admin-Version': WIRE_PROTOCOL_VERSION,
  'Instant-Core-Version': WIRE_PROTOCOL_VERSION,
} as const

/** Headers of `verifyToken`: no `app-id`, no bearer, like the SDK. */
export function publicHeaders(): Readonly<Record<string, string>> {
  return Object.freeze({ 'content-type': 'application/json', ...VERSION_HEADERS })
}

/** Admin headers, optionally with one impersonation header; built once, then reused. */
export function adminHeaders(
  appId: string,
  adminToken: string | undefined,
  impersonation?: readonly [name: string, value: string],
): Readonly<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'app-id': appId }
  if (adminToken !== undefined) headers.authorization = `Bearer ${adminToken}`
  if (impersonation !== undefined) headers[impersonation[0]] = impersonation[1]
  return Object.freeze(Object.assign(headers, VERSION_HEADERS))
}
