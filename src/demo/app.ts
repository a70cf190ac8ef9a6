/**
 * The demo Express app: the kit's routers and middleware around a tiny todo API, plus the page.
 * `createDemoApp` takes an already-built db, so tests can run it against any Instant.
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express'
import helmet from 'helmet'
import { isKitError, KitError } from '../errors/kit-error.js'
import { consoleEmail, type EmailProvider, type MemoryEmailProvider } from '../email/index.js'
import {
  instantHandler,
  magicCodeRouter,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type InstantAuthDb,
} from '../index.js'
import { PAGE_CSS, PAGE_JS, renderPage, type BrowserInstantConfig } from './page.js'
import { createPasswordAuthenticator, type DemoAccount } from './passwords.js'
import { accountRoutes } from './server-rendered.js'
import {
  MAX_TODO_TITLE_LENGTH,
  addTodo,
  listTodos,
  todoChunk,
  todoTitle,
  type Todo,
} from './todos.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** How many recent codes the dev mailbox shows. */
const DEV_MAILBOX_SIZE = 10
/**
 * The session cookie for server-rendered pages. The demo is served over plain http on
 * localhost, where `secure: false` leaves `Secure` out; on any other host it is still Secure.
 */
const DEMO_COOKIE = { name: 'instant_demo_token', secure: false } as const

interface DemoAppOptions {
  /** The admin client (this kit's or `@instantdb/admin`) the kit verifies tokens with. */
  db: InstantAuthDb
  /**
   * A `memoryEmail()` provider. When given (dev mode against Local Instant), magic codes are
   * also kept there and listed at `GET /dev/mailbox` and on the page.
   */
  mailbox?: MemoryEmailProvider
  /** Where magic codes are delivered besides the mailbox. Default `consoleEmail()`. */
  sendEmail?: EmailProvider
  /** Email + password accounts for `POST /sign-in`. Default none. */
  accounts?: readonly DemoAccount[]
  /** Shown in the page footer, e.g. `Local Instant at http://127.0.0.1:8888`. */
  backend?: string
  /**
   * The todos in the browser on `@instantdb/core`: the Instant to reach and the bundled script
   * (src/demo/bundle.ts) served as `/todos.js`. Without it the page uses `/api/todos`.
   */
  browser?: { instant: BrowserInstantConfig; bundle: string }
}

/**
 * Builds the demo app.
 *
 * @example
 * ```ts
 * const app = createDemoApp({ db, mailbox: memoryEmail(), accounts: [{ email, password }] })
 * app.listen(3000)
 * ```
 */
export function createDemoApp(options: DemoAppOptions): express.Express {
  const { db, mailbox, accounts = [], backend = 'Instant' } = options
  const deliver = options.sendEmail ?? consoleEmail()
  const sendEmail: EmailProvider = mailbox
    ? async (message) => {
        await Promise.all([deliver(message), mailbox(message)])
      }
    : deliver
  const browser = options.browser
  const page = renderPage({
    devMailbox: mailbox !== undefined,
    accounts,
    backend,
    instant: browser?.instant,
  })
  const cookie = DEMO_COOKIE
  const requireUser = requireInstantUser({ db, cookie })
  const optionalUser = optionalInstantUser({ db, cookie })

  const app = express()
  app.disable('x-powered-by')
  app.use(
    helmet({
      // Served over plain http on localhost: do not ask the browser to upgrade requests.
      contentSecurityPolicy: {
        directives: {
          upgradeInsecureRequests: null,
          // The browser SDK talks to Instant directly: its HTTP API and its websocket.
          ...(browser && {
            connectSrc: [
              "'self'",
              new URL(browser.instant.apiURI).origin,
              new URL(browser.instant.websocketURI).origin,
            ],
          }),
        },
      },
    }),
  )

  app.get('/', (_req, res) => {
    res.type('html').send(page)
  })
  app.get('/app.js', (_req, res) => {
    res.type('text/javascript').send(PAGE_JS)
  })
  if (browser) {
    app.get('/todos.js', (_req, res) => {
      res.type('text/javascript').send(browser.bundle)
    })
  }
  app.get('/app.css', (_req, res) => {
    res.type('text/css').send(PAGE_CSS)
  })

  app.use(signInRouter({ db, cookie, authenticate: createPasswordAuthenticator(accounts) }))
  app.use(magicCodeRouter({ db, cookie, sendEmail }))
  app.use(signOutRouter({ db, cookie }))
  app.use(accountRoutes({ requireUser, optionalUser }))

  if (mailbox) {
    // Dev only: shows the codes the server "sent". Never mount this against a real app.
    app.get('/dev/mailbox', (_req, res) => {
      const messages = mailbox.messages
        .filter((m) => m.code !== undefined)
        .slice(-DEV_MAILBOX_SIZE)
        .reverse()
        .map((m) => ({ email: m.to, code: m.code }))
      res.set('Cache-Control', 'no-store').json({ messages })
    })
  }

  const api = express.Router()
  // Authenticate first: an anonymous request costs no body parsing.
  api.use(requireUser)
  api.use(express.json({ limit: '10kb' }))
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })

  api.get(
    '/me',
    instantHandler((req, res) => {
      res.json(req.instant.user)
    }),
  )

  api.get(
    '/todos',
    instantHandler(async (req, res) => {
      const todos = await listTodos(req.instant.db)
      res.json({ todos: todos.map(publicTodo) })
    }),
  )

  api.post(
    '/todos',
    instantHandler(async (req, res) => {
      const title = todoTitle((req.body as { title?: unknown } | undefined)?.title)
      if (title === undefined) {
        throw new KitError('invalid_request', {
          detail: `A todo needs a title of 1 to ${MAX_TODO_TITLE_LENGTH} characters.`,
        })
      }
      const todo = await addTodo(req.instant.db, req.instant.user.id, title)
      res.status(201).json(publicTodo(todo))
    }),
  )

  api.delete(
    '/todos/:id',
    instantHandler(async (req, res) => {
      const todoId = req.params.id as string
      // The view rule hides other users' todos, so "not visible" and "not there" look the same.
      const { todos } = UUID.test(todoId)
        ? ((await req.instant.db.query({ todos: { $: { where: { id: todoId } } } })) as {
            todos: Todo[]
          })
        : { todos: [] }
      if (todos.length === 0) {
        sendProblem(res, 404, 'not_found', 'Not found', 'No such todo.')
        return
      }
      await req.instant.db.transact([todoChunk(todoId).delete()])
      res.status(204).end()
    }),
  )

  app.use('/api', api)
  app.use('/api', (_req, res) => {
    sendProblem(res, 404, 'not_found', 'Not found', 'No such API route.')
  })
  app.use(demoErrorHandler)
  return app
}

function publicTodo({ id: todoId, title, createdAt }: Todo) {
  return { id: todoId, title, createdAt }
}

function sendProblem(res: Response, status: number, code: string, title: string, detail: string) {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, detail, code })
}

/** Renders kit errors as problem+json, and any other failure without leaking internals. */
const demoErrorHandler: ErrorRequestHandler = (err, req: Request, res, next) => {
  if (res.headersSent) {
    next(err)
    return
  }
  if (isKitError(err)) {
    res.set(err.headers).status(err.status).type('application/problem+json').json(err.toProblem())
    return
  }
  const status = (err as { status?: unknown }).status
  const type = (err as { body?: { type?: unknown } }).body?.type
  if (status === 400 && type === 'permission-denied') {
    sendProblem(res, 403, 'forbidden', 'Forbidden', 'Permission rules refused this change.')
    return
  }
  if (status === 400 && type === 'record-not-found') {
    // The token was revoked after the middleware verified it (its result is cached briefly).
    const error = new KitError('invalid_token', { headers: { 'WWW-Authenticate': 'Bearer' } })
    res.set(error.headers).status(401).type('application/problem+json').json(error.toProblem())
    return
  }
  if (typeof status === 'number' && status < 500 && (err as { expose?: unknown }).expose === true) {
    // body-parser's errors (malformed JSON, body too large) are safe to show.
    sendProblem(res, status, 'invalid_request', 'Invalid request', (err as Error).message)
    return
  }
  // Name and message only: an upstream error's hint can echo the user's token.
  const { name, message } = err as Error
  console.error(`[demo] ${req.method} ${req.path} failed: ${name}: ${message}`)
  sendProblem(res, 500, 'internal_error', 'Internal error', 'Something went wrong.')
}
