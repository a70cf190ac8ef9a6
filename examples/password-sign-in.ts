/**
 * Use case 4: sign in with your own credential check, here an email and a password.
 *
 * `signInRouter` calls `authenticate(req)`; answer `{ email }` (or `{ id }`) when the
 * credentials are right and `null` otherwise. Only then does the kit call Instant's
 * `createToken`, which would create the user if missing: the check is what stops anyone from
 * signing in as anyone. A refusal is one generic 401 `invalid_credentials`, rate-limited.
 */
import express from 'express'
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { checkInstant, signInRouter, type InstantAuthDb } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
) => Promise<Buffer>
const KEY_LENGTH = 32

/** Hashes a password for storage as `salt:hash` (hex). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, KEY_LENGTH)
  return `${salt.toString('hex')}:${hash.toString('hex')}`
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [salt = '', hash = ''] = stored.split(':')
  const expected = Buffer.from(hash, 'hex')
  const actual = await scryptAsync(password, Buffer.from(salt, 'hex'), KEY_LENGTH)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** `users` maps a lower-case email to its stored hash: your users table in a real app. */
export function createApp({
  db,
  users,
}: {
  db: InstantAuthDb
  users: ReadonlyMap<string, string>
}) {
  // A hash to check unknown emails against, so response time does not tell which ones exist.
  const decoy = hashPassword(randomBytes(16).toString('hex'))

  const app = express()
  app.use(
    signInRouter({
      db,
      async authenticate(req) {
        const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown }
        if (typeof email !== 'string' || typeof password !== 'string') return null
        const normalized = email.trim().toLowerCase()
        const stored = users.get(normalized)
        const ok = await verifyPassword(password, stored ?? (await decoy))
        return stored && ok ? { email: normalized } : null
      },
    }),
  )
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const db = init({
    appId: process.env.INSTANT_APP_ID!, // `npx instant-local` prints these three
    adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
    apiURI: process.env.INSTANT_API_URI,
  })
  await checkInstant(db) // at startup: fails naming the wrong setting, never a secret
  const users = new Map([['alice@example.com', await hashPassword('correct horse battery staple')]])
  const port = Number(process.env.PORT ?? 3000)
  createApp({ db, users }).listen(port, () => {
    console.log(`Listening on http://localhost:${port}; try:`)
    console.log(
      `curl -H 'content-type: application/json' -d '{"email":"alice@example.com","password":"correct horse battery staple"}' http://localhost:${port}/sign-in`,
    )
  })
}
