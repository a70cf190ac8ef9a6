/**
 * The demo's server-rendered page, `GET /account`: who is signed in and their todos, rendered
 * on the server from the session cookie alone (no JavaScript, no token in the page), and a
 * plain HTML form that posts a todo to `POST /account/todos`. That form is what a cross-site
 * page would forge; the kit refuses such a post with 403 `csrf_rejected`.
 */
import express, { type Router } from 'express'
import { id, tx } from '../admin/index.js'
import {
  optionalInstantUser,
  requireInstantUser,
  type CookieSetting,
  type InstantAuthDb,
  type OptionalInstantRequest,
} from '../express/index.js'

export interface AccountRoutesOptions {
  db: InstantAuthDb
  /** The session cookie the kit's routers set. */
  cookie: CookieSetting
  /** Longest todo title accepted, in characters. */
  maxTitleLength: number
}

interface Todo {
  id: string
  title: string
  createdAt: number
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * Builds the `/account` routes.
 *
 * @example
 * ```ts
 * app.use(accountRoutes({ db, cookie: { name: 'instant_demo_token', secure: false }, maxTitleLength: 200 }))
 * ```
 */
export function accountRoutes(options: AccountRoutesOptions): Router {
  const { db, cookie, maxTitleLength } = options
  const router = express.Router()

  router.get(
    '/account',
    optionalInstantUser({ db, cookie }),
    async (req: OptionalInstantRequest, res) => {
      res.set('Cache-Control', 'no-store')
      if (req.instant === null) {
        res.type('html').send(accountPage(undefined, [], maxTitleLength))
        return
      }
      const { todos } = (await req.instant.db.query({ todos: {} })) as { todos: Todo[] }
      todos.sort((a, b) => a.createdAt - b.createdAt)
      res.type('html').send(accountPage(req.instant.user.email ?? 'guest', todos, maxTitleLength))
    },
  )

  // Authenticate (and CSRF-check) before reading the body: a forged post costs no parsing.
  router.post(
    '/account/todos',
    requireInstantUser({ db, cookie }),
    express.urlencoded({ extended: false, limit: '2kb' }),
    async (req, res) => {
      const title = String((req.body as { title?: unknown } | undefined)?.title ?? '').trim()
      if (title === '' || title.length > maxTitleLength) {
        res
          .status(400)
          .type('text')
          .send(`A todo needs a title of 1 to ${maxTitleLength} characters.`)
        return
      }
      const todo = { title, ownerId: req.instant.user.id, createdAt: Date.now() }
      await req.instant.db.transact([tx.todos![id()]!.update(todo)])
      res.redirect(303, '/account')
    },
  )
  return router
}

function accountPage(email: string | undefined, todos: Todo[], maxTitleLength: number): string {
  const body =
    email === undefined
      ? `<p data-testid="ssr-signed-out">Not signed in. <a href="/">Sign in on the main page</a>, then come back.</p>`
      : `<h2 data-testid="ssr-greeting">Hello, ${escapeHtml(email)}!</h2>
    <ul data-testid="ssr-todos">${todos.map((t) => `<li data-testid="ssr-todo">${escapeHtml(t.title)}</li>`).join('')}</ul>
    <form method="post" action="/account/todos" class="row">
      <label for="ssr-title" class="visually-hidden">New todo</label>
      <input id="ssr-title" name="title" data-testid="ssr-title" required maxlength="${maxTitleLength}" placeholder="A todo, posted by a plain form">
      <button data-testid="ssr-add">Add</button>
    </form>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Account · instant-express-auth demo</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
  <h1>Server-rendered <span class="muted">from the session cookie</span></h1>
  <p class="muted">Rendered by <code>optionalInstantUser({ db, cookie })</code>; the form posts to <code>requireInstantUser</code>, which refuses cross-site posts (403 <code>csrf_rejected</code>). <a href="/">Back to the app</a></p>
</header>
<main>
  <section class="card">
    ${body}
  </section>
</main>
</body>
</html>`
}
