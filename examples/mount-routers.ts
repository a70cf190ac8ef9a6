/**
 * Use case 1: mount the kit's auth routes in an existing Express app.
 *
 *   POST /auth/custom-send-magic-code { email }        -> { sent: true }
 *   POST /auth/verify-magic-code      { email, code }  -> { token, user, created }
 *   POST /auth/sign-out               (token header)   -> 204
 */
import express from 'express'
import { pathToFileURL } from 'node:url'
import {
  checkInstant,
  magicCodeRouter,
  signOutRouter,
  type InstantAuthDb,
} from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'
import { consoleEmail, type EmailProvider } from 'instant-express-auth/email'

export function createApp({
  db,
  sendEmail = consoleEmail(),
}: {
  db: InstantAuthDb
  sendEmail?: EmailProvider
}) {
  const app = express()

  // The app's own routes stay as they are.
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })

  // The kit's routers carry their own body parsing, headers, rate limits and error responses.
  app.use('/auth', magicCodeRouter({ db, sendEmail }))
  app.use('/auth', signOutRouter({ db }))
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const db = init({
    appId: process.env.INSTANT_APP_ID!, // `npx instant-local` prints these three
    adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
    apiURI: process.env.INSTANT_API_URI,
  })
  await checkInstant(db) // at startup: fails naming the wrong setting, never a secret
  const port = Number(process.env.PORT ?? 3000)
  createApp({ db }).listen(port, () => console.log(`Listening on http://localhost:${port}`))
}
