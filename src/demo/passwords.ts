/**
 * Email + password sign-in for the demo accounts: scrypt hashes made once at start-up, checked
 * with `timingSafeEqual`, and an `authenticate` function for `signInRouter`.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>

const KEY_LENGTH_BYTES = 32
const SALT_LENGTH_BYTES = 16

export interface DemoAccount {
  email: string
  password: string
}

interface StoredHash {
  salt: Buffer
  hash: Buffer
}

function hashPassword(password: string): StoredHash {
  const salt = randomBytes(SALT_LENGTH_BYTES)
  return { salt, hash: scryptSync(password, salt, KEY_LENGTH_BYTES) }
}

/** Trims and lower-cases, as the kit and Instant do. */
const normalizeEmail = (email: string): string => email.trim().toLowerCase()

/**
 * Builds the `authenticate` function of `signInRouter` for a fixed list of accounts. It reads
 * `{ email, password }` from the JSON body and answers `{ email }` or `null`. Unknown emails
 * still cost one scrypt, so response time does not reveal which accounts exist.
 */
export function createPasswordAuthenticator(accounts: readonly DemoAccount[]) {
  const hashes = new Map<string, StoredHash>(
    accounts.map((a) => [normalizeEmail(a.email), hashPassword(a.password)]),
  )
  const decoy = hashPassword(randomBytes(16).toString('hex'))

  return async function authenticatePassword(req: {
    body?: unknown
  }): Promise<{ email: string } | null> {
    const body = (req.body ?? {}) as { email?: unknown; password?: unknown }
    if (typeof body.email !== 'string' || typeof body.password !== 'string') return null
    const email = normalizeEmail(body.email)
    const stored = hashes.get(email)
    const target = stored ?? decoy
    const candidate = await scryptAsync(body.password, target.salt, KEY_LENGTH_BYTES)
    const matches = timingSafeEqual(candidate, target.hash)
    return stored && matches ? { email } : null
  }
}

/** A readable random password, for demo accounts against a real Instant app. */
export function randomPassword(): string {
  return randomBytes(9).toString('base64url')
}
