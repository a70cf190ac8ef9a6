/**
 * Use case 7: server-rendered pages with a cookie session, and no JavaScript at all.
 *
 * With `cookie`, `/verify-magic-code` also sets an HttpOnly, Secure, SameSite=Lax cookie, so
 * the server knows the user when the page is reloaded: `GET /` greets them from the cookie
 * alone. `tokenInBody: false` keeps the token out of the page entirely. Every form is a plain
 * HTML form: with `redirect`, the kit answers each post with a 303 (to the code page, to the
 * page the user wanted, or back to `/login?error=…`), and `redirectTo` sends a signed-out page
 * load to `/login?next=…`. A copy of a form on another site is refused with 403
 * `csrf_rejected`: every form post, and every unsafe request authenticated by the cookie, must
 * come from the app's own origin.
 */
import express from 'express'
import { pathToFileURL } from 'node:url'
import {
  magicCodeRouter,
  instantHandler,
  requireInstantUser,
  signOutRouter,
  type CookieSetting,
  type InstantAuthDb,
  type MagicCodeEmail,
} from 'instant-express-auth'
import { id, init, tx } from 'instant-express-auth/admin'
import { consoleEmail, escapeHtml } from 'instant-express-auth/email'

/** Each user sees and writes only their own notes. */
export const RULES = {
  notes: {
    allow: {
      view: 'auth.id != null && auth.id == data.ownerId',
      create: 'auth.id != null && auth.id == newData.ownerId',
    },
  },
}

interface Note {
  id: string
  title: string
  ownerId: string
  createdAt: number
}

export function createApp({
  db,
  sendEmail,
  // `__Host-`: Secure, Path=/ and no Domain, so no sibling subdomain can set or shadow it.
  cookie = '__Host-instant_token',
}: {
  db: InstantAuthDb
  sendEmail: (message: MagicCodeEmail) => Promise<void> | void
  cookie?: CookieSetting
}) {
  const app = express()
  // Plain HTML forms, no JavaScript: each post is answered with a 303 to the next page.
  const failure = '/login'
  app.use(
    magicCodeRouter({
      db,
      sendEmail,
      cookie,
      tokenInBody: false,
      redirect: { sent: '/login/code', success: '/', failure },
    }),
  )
  app.use(signOutRouter({ db, cookie, redirect: { success: '/login', failure: '/' } }))

  app.get('/login', (req, res) => {
    res.set('Cache-Control', 'no-store')
    res.type('html').send(loginPage(query(req, 'error'), query(req, 'next'), query(req, 'email')))
  })
  app.get('/login/code', (req, res) => {
    res.set('Cache-Control', 'no-store')
    res.type('html').send(codePage(query(req, 'email') ?? '', query(req, 'next')))
  })

  // A page load without a session goes to /login?next=/ (an API call would get a 401).
  app.get(
    '/',
    requireInstantUser({ db, cookie, redirectTo: '/login' }),
    instantHandler(async (req, res) => {
      res.set('Cache-Control', 'no-store')
      const { notes } = (await req.instant.db.query({ notes: {} })) as { notes: Note[] }
      notes.sort((a, b) => a.createdAt - b.createdAt)
      res.type('html').send(notesPage(req.instant.user.email ?? 'guest', notes))
    }),
  )

  // A plain form post, authenticated by the cookie: the kit checks that it is same-origin.
  app.post(
    '/notes',
    requireInstantUser({ db, cookie }),
    express.urlencoded({ extended: false, limit: '2kb' }),
    instantHandler(async (req, res) => {
      const title = String((req.body as { title?: unknown }).title ?? '').trim()
      if (title === '' || title.length > 200) {
        res.status(400).type('text').send('A note needs a title of 1 to 200 characters.')
        return
      }
      const note = { title, ownerId: req.instant.user.id, createdAt: Date.now() }
      await req.instant.db.transact([tx.notes![id()]!.update(note)])
      res.redirect(303, '/')
    }),
  )
  return app
}

/** One query parameter as a string, if present once. */
function query(req: express.Request, name: string): string | undefined {
  const value = req.query[name]
  return typeof value === 'string' ? value : undefined
}

/** What each refusal code means to the person at the form. */
const MESSAGES: Record<string, string> = {
  invalid_code: 'That code is not right, or it has expired. Try again or ask for a new one.',
  invalid_request: 'Please enter a valid email address.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  auth_unavailable: 'Sign-in is unavailable right now. Try again in a moment.',
}

function alert(error: string | undefined): string {
  if (error === undefined) return ''
  const text = MESSAGES[error] ?? 'Something went wrong. Please try again.'
  return `<p role="alert" data-testid="error">${escapeHtml(text)}</p>`
}

/** The page the user asked for, carried through the forms (the kit follows only a local path). */
function nextField(next: string | undefined): string {
  return next === undefined ? '' : `<input type="hidden" name="next" value="${escapeHtml(next)}">`
}

function loginPage(error: string | undefined, next: string | undefined, email?: string): string {
  // After a wrong code the kit comes back here with the address: offer the code form again.
  if (error === 'invalid_code' && email !== undefined) return codePage(email, next, error)
  return `<!doctype html><meta charset="utf-8"><title>Sign in</title>
<h1>Sign in</h1>${alert(error)}
<form method="post" action="/custom-send-magic-code">
<input name="email" type="email" required autocomplete="email" value="${escapeHtml(email ?? '')}"> ${nextField(next)}
<button>Email me a code</button></form>`
}

function codePage(email: string, next: string | undefined, error?: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Enter your code</title>
<h1>Check your email</h1>${alert(error)}
<p>We sent a code to ${escapeHtml(email)}.</p>
<form method="post" action="/verify-magic-code">
<input type="hidden" name="email" value="${escapeHtml(email)}"> ${nextField(next)}
<input name="code" required inputmode="numeric" autocomplete="one-time-code">
<button>Sign in</button></form>`
}

function notesPage(email: string, notes: Note[]): string {
  const items = notes.map((n) => `<li>${escapeHtml(n.title)}</li>`).join('')
  return `<!doctype html><meta charset="utf-8"><title>Notes</title>
<h1 data-testid="greeting">Hello, ${escapeHtml(email)}!</h1>
<ul data-testid="notes">${items}</ul>
<form method="post" action="/notes"><input name="title" required maxlength="200"> <button>Add note</button></form>
<form method="post" action="/sign-out"><button>Sign out</button></form>`
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const db = init({
    appId: process.env.INSTANT_APP_ID!, // `npx instant-local` prints these three
    adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
    apiURI: process.env.INSTANT_API_URI,
  })
  const port = Number(process.env.PORT ?? 3000)
  const app = createApp({
    db,
    sendEmail: consoleEmail(), // prints the code: development only
    // Plain http on localhost for development: `secure: false` takes effect on loopback only,
    // and a `__Host-` name would require Secure. In production keep the default.
    cookie: { name: 'instant_token', secure: false },
  })
  app.listen(port, () => console.log(`Listening on http://localhost:${port}`))
}
