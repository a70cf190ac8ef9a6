/**
 * Keys for rate-limit stores. Emails and IPs are HMACs under the router's key (its `codeSecret`,
 * or a random key of this process when nothing is shared), so a shared store (Redis, Memcached)
 * never holds an address, and whoever reads it cannot test a list of emails or IPs against its
 * keys. Each limiter has its own prefix so one store namespace can serve them all.
 */
import { createHmac, type KeyObject } from 'node:crypto'

/** Prefix of every key the kit writes to a rate-limit store. */
const RATE_LIMIT_KEY_PREFIX = 'iea'

/** 32 base64url characters (192 bits) of an HMAC-SHA256 over lines of `parts`. */
function tag(key: KeyObject, ...parts: string[]): string {
  // Lines: only the last part (an email) may hold a newline, so no two inputs read the same.
  return createHmac('sha256', key).update(parts.join('\n')).digest('base64url').slice(0, 32)
}

/** The store key for a normalised email under `limiter`. */
export function emailRateLimitKey(key: KeyObject, limiter: string, email: string): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:e:${tag(key, 'rl-email', email)}`
}

/** The store key for an (already subnet-masked) IP under `limiter`. */
export function ipRateLimitKey(key: KeyObject, limiter: string, ip: string): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:ip:${tag(key, 'rl-ip', ip)}`
}

/** The store key for one client of one email (the pair an attacker without the victim's IP cannot share). */
export function clientRateLimitKey(
  key: KeyObject,
  limiter: string,
  email: string,
  ip: string,
): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:c:${tag(key, 'rl-client', ip, email)}`
}
