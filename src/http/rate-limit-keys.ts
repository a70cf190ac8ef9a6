/**
 * Keys for rate-limit stores. Emails are hashed so a shared store (Redis, Memcached) never holds
 * addresses; each limiter has its own prefix so one store namespace can serve them all.
 */
import { hash } from 'node:crypto'

/** Prefix of every key the kit writes to a rate-limit store. */
const RATE_LIMIT_KEY_PREFIX = 'iea'

/** The store key for a normalised email under `limiter`. */
export function emailRateLimitKey(limiter: string, email: string): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:e:${hash('sha256', email, 'base64url').slice(0, 32)}`
}

/** The store key for an (already subnet-masked) IP under `limiter`. */
export function ipRateLimitKey(limiter: string, ip: string): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:ip:${ip}`
}

/**
 * The store key for one client of one email (the pair an attacker without the victim's IP
 * cannot share), hashed so neither the email nor the IP is held in clear.
 */
export function clientRateLimitKey(limiter: string, email: string, ip: string): string {
  return `${RATE_LIMIT_KEY_PREFIX}:${limiter}:c:${hash('sha256', `${email}\n${ip}`, 'base64url').slice(0, 32)}`
}
