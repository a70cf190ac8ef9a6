/**
 * The demo's server-rendered page, `GET /account`: who is signed in and their todos, rendered
 * on the server from the session cookie alone (no JavaScript, no token in the page), and a
 * plain HTML form that posts a todo to `POST /account/todos`. That form is what a cross-site
 * page would forge; the kit refuses such a post with 403 `csrf_rejected`.
 */
import express, { type RequestHandler, type Router } from 'express'
import { instantHandler, type OptionalInstantRequest } from '../index.js'
import { escapeHtml } from '../email/index.js'
import { MAX_TODO_TITLE_LENGTH, addTodo, listTodos, todoTitle, type Todo } from './todos.js'

interface AccountRoutesOptions {
  /** The app's `requireInstantUser({ db, cookie })`: the form's post needs a signed-in user. */
  requireUser: RequestHandler
  /** The app's `optionalInstantUser({ db, cookie })`: the page renders signed out too. */
  optionalUser: RequestHandler
}

/**
 * Builds the `/account` routes on the app's own middleware (one verification per request, the
 * app's cache and limits).
 *
 * @example
 * ```ts
 * app.use(accountRoutes({ requireUser, optionalUser }))
 * ```
 */
export function accountRoutes(options: AccountRoutesOptions): Router {
  const { requireUser, optionalUser } = options
  const router = express.Router()

  router.get('/account', optionalUser, async (req: OptionalInstantRequest, res) => {
    res.set('Cache-Control', 'no-store')
    if (!req.instant) {
      res.type('html').send(accountPage(undefined, []))
      return
    }
    const todos = await listTodos(req.instant.db)
    res.type('html').send(accountPage(req.instant.user.email ?? 'guest', todos))
  })

  // Authenticate (and CSRF-check) before reading the body: a forged post costs no parsing.
  router.post(
    '/account/todos',
    requireUser,
    express.urlencoded({ extended: false, limit: '2kb' }),
    instantHandler(async (req, res) => {
      const title = todoTitle((req.body as { title?: unknown } | undefined)?.title ?? '')
      if (title === undefined) {
        res
          .status(400)
          .type('text')
          .send(`A todo needs a title of 1 to ${MAX_TODO_TITLE_LENGTH} characters.`)
        return
      }
      await addTodo(req.instant.db, req.instant.user.id, title)
      res.redirect(303, '/account')
    }),
  )
  return router
}

function accountPage(email: string | undefined, todos: Todo[]): string {
  const body =
    email === undefined
      ? `<p data-testid="ssr-signed-out">Not signed in. <a href="/">Sign in on the main page</a>, then come back.</p>`
      : `<h2 data-testid="ssr-greeting">Hello, ${escapeHtml(email)}!</h2>
    <ul data-testid="ssr-todos">${todos.map((t) => `<li data-testid="ssr-todo">${escapeHtml(t.title)}</li>`).join('')}</ul>
    <form method="post" action="/account/todos" class="row">
      <label for="ssr-title" class="visually-hidden">New todo</label>
      <input id="ssr-title" name="title" data-testid="ssr-title" required maxlength="${MAX_TODO_TITLE_LENGTH}" placeholder="A todo, posted by a plain form">
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
