/**
 * Use case 2: protect your own endpoints.
 *
 * `requireInstantUser` answers 401 without a valid `token` header; `optionalInstantUser` lets
 * anonymous requests through. Both hand the handler `req.instant.user` and `req.instant.db`,
 * a db scoped to that user, so Instant's permission rules apply to what the handler reads.
 */
import express from 'express'
import { pathToFileURL } from 'node:url'
import {
  checkInstant,
  instantErrorHandler,
  instantHandler,
  optionalInstantUser,
  requireInstantUser,
  type InstantAuthDb,
} from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

export function createApp({ db }: { db: InstantAuthDb }) {
  const app = express()
  const requireUser = requireInstantUser({ db })

  app.get(
    '/me',
    requireUser,
    instantHandler((req, res) => {
      res.json(req.instant.user) // never carries refresh_token
    }),
  )

  app.get(
    '/todos',
    requireUser,
    instantHandler(async (req, res) => {
      res.json(await req.instant.db.query({ todos: {} }))
    }),
  )

  app.get(
    '/todos/:tag',
    requireUser,
    instantHandler(async (req, res) => {
      // A query Instant refuses (here a malformed `where`) reaches instantErrorHandler: 400.
      res.json(
        await req.instant.db.query({ todos: { $: { where: { tag: { $nope: req.params.tag } } } } }),
      )
    }),
  )

  app.get('/greeting', optionalInstantUser({ db }), (req, res) => {
    const user = req.instant?.user
    res.json({ message: user ? `Hello, ${user.email}!` : 'Hello, stranger!' })
  })

  // A malformed query (400), a rule's refusal (403), an outage (503): problem+json, no stack.
  app.use(instantErrorHandler())
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
