/**
 * Whether a URL's host is this machine: the only place plain `http:` is acceptable for a JWKS
 * or an email API (anywhere else, keys and API keys would cross the network in clear).
 */
import { isIPv4 } from 'node:net'

const LOOPBACK_NAMES = new Set(['localhost', '[::1]'])

/** True for `localhost`, `[::1]` and IPv4 127.0.0.0/8 literals; `127.evil.example` is not. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || (isIPv4(hostname) && hostname.startsWith('127.'))
}
