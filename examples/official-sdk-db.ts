/**
 * Use case 5: keep using the official `@instantdb/admin` SDK. Its `init(...)` instance works
 * as the kit's `db` as it is; `req.instant.db` is then the SDK's `db.asUser({ token })`.
 */
import { init } from '@instantdb/admin'
import express from 'express'
import { pathToFileURL } from 'node:url'
import {
  checkInstant,
  instantHandler,
  requireInstantUser,
  type InstantAuthDb,
} from 'instant-express-auth'

export function createApp({ db }: { db: InstantAuthDb }) {
  const app = express()
  const requireUser = requireInstantUser({ db })

  app.get(
    '/me',
    requireUser,
    instantHandler((req, res) => {
      res.json(req.instant.user)
    }),
  )
  app.get(
    '/todos',
    requireUser,
    instantHandler(async (req, res) => {
      res.json(await req.instant.db.query({ todos: {} }))
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
  const port = Number(process.env.PORT ?? 3000)
  createApp({ db }).listen(port, () => console.log(`Listening on http://localhost:${port}`))
}
