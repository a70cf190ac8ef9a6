// The README's quick start, as it runs: `npx instant-local` prints the three INSTANT_* lines.
import express from 'express'
import {
  checkInstant,
  instantErrorHandler,
  instantHandler,
  magicCodeRouter,
  requireInstantUser,
  signOutRouter,
} from 'instant-express-auth'
import { id, init, tx } from 'instant-express-auth/admin'
import { consoleEmail } from 'instant-express-auth/email'

const db = init({
  appId: process.env.INSTANT_APP_ID!,
  adminToken: process.env.INSTANT_APP_ADMIN_TOKEN!,
  apiURI: process.env.INSTANT_API_URI, // unset: Instant Cloud
})
await checkInstant(db) // a wrong app id, token or URI fails here, saying which

const app = express()
app.use(magicCodeRouter({ db, sendEmail: consoleEmail() })) // development: prints the code
app.use(signOutRouter({ db }))
app.post(
  '/notes',
  requireInstantUser({ db }),
  express.json(),
  instantHandler(async (req, res) => {
    const note = { text: String(req.body.text), ownerId: req.instant.user.id }
    const noteId = id()
    await req.instant.db.transact(tx.notes![noteId]!.update(note)) // the user's rules apply
    res.status(201).json({ id: noteId })
  }),
)
app.get(
  '/notes',
  requireInstantUser({ db }),
  instantHandler(async (req, res) => res.json(await req.instant.db.query({ notes: {} }))),
)
app.use(instantErrorHandler()) // problem+json for what req.instant.db throws

export const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`Listening on http://localhost:${(server.address() as { port: number }).port}`)
})
