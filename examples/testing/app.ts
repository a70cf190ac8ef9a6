/**
 * The example app under test: signed-in users add and delete todos through their own client
 * (`req.instant.db`), so the project's rules decide, and a refusal answers 403.
 */
import express from 'express'
import { instantErrorHandler, instantHandler, requireInstantUser } from 'instant-express-auth'
import type { InstantAuthDb } from 'instant-express-auth'
import { id, tx } from 'instant-express-auth/admin'

export function createApp({ db }: { db: InstantAuthDb }) {
  const app = express()
  app.use(express.json())
  const requireUser = requireInstantUser({ db })

  app.post(
    '/todos',
    requireUser,
    instantHandler(async (req, res) => {
      const todoId = id()
      const title = String((req.body as { title?: unknown }).title)
      await req.instant.db.transact(
        tx.todos![todoId]!.update({ title, ownerId: req.instant.user.id }),
      )
      res.status(201).json({ id: todoId })
    }),
  )

  app.delete(
    '/todos/:id',
    requireUser,
    instantHandler(async (req, res) => {
      await req.instant.db.transact(tx.todos![String(req.params.id)]!.delete())
      res.status(204).end()
    }),
  )

  app.use(instantErrorHandler())
  return app
}
