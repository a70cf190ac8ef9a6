/**
 * Use case 7: server-rendered pages with a cookie session.
 *
 * With `cookie`, `/verify-magic-code` also sets an HttpOnly, Secure, SameSite=Lax cookie, so
 * the server knows the user when the page is reloaded: `GET /` greets them from the cookie
 * alone. `tokenInBody: false` keeps the token out of the page's JavaScript entirely. The plain
 * HTML form posts to a protected route; a copy of that form on another site is refused with
 * 403 `csrf_rejected`, because an unsafe request authenticated by the cookie must come from the
 * app's own origin.
 */
import express from 'express'
import { pathToFileURL } from 'node:url'
import {
  magicCodeRouter,
  instantHandler,
  optionalInstantUser,
  requireInstantUser,
  signOutRouter,
  type CookieSetting,
  type InstantAuthDb,
  type MagicCodeEmail,
  type OptionalInstantRequest,
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
  app.use(magicCodeRouter({ db, sendEmail, cookie, tokenInBody: false }))
  app.use(signOutRouter({ db, cookie }))

  app.get('/', optionalInstantUser({ db, cookie }), async (req: OptionalInstantRequest, res) => {
    res.set('Cache-Control', 'no-store')
    if (!req.instant) {
      res.type('html').send(signedOutPage())
      return
    }
    const { notes } = (await req.instant.db.query({ notes: {} })) as { notes: Note[] }
    notes.sort((a, b) => a.createdAt - b.createdAt)
    res.type('html').send(signedInPage(req.instant.user.email ?? 'guest', notes))
  })

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

function signedInPage(email: string, notes: Note[]): string {
  const items = notes.map((n) => `<li>${escapeHtml(n.title)}</li>`).join('')
  return `<!doctype html><meta charset="utf-8"><title>Notes</title>
<h1 data-testid="greeting">Hello, ${escapeHtml(email)}!</h1>
<ul data-testid="notes">${items}</ul>
<form method="post" action="/notes"><input name="title" required maxlength="200"> <button>Add note</button></form>
<form data-json="/sign-out"><button>Sign out</button></form>
${SCRIPT}`
}

function signedOutPage(): string {
  return `<!doctype html><meta charset="utf-8"><title>Notes</title>
<h1>Sign in</h1>
<form data-json="/custom-send-magic-code"><input name="email" type="email" required> <button>Email me a code</button></form>
<form data-json="/verify-magic-code"><input name="email" type="email" required> <input name="code" required> <button>Sign in</button></form>
${SCRIPT}`
}

// The auth routes take JSON (`Content-Type: application/json`: a text/plain body is refused on
// the routes that set the cookie). The cookie arrives with the answer; reloading renders it.
const SCRIPT = `<p id="error" role="alert"></p><script>
for (const form of document.querySelectorAll('form[data-json]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const res = await fetch(form.dataset.json, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(new FormData(form))),
    })
    if (!res.ok) document.getElementById('error').textContent = (await res.json()).detail
    else if (form.dataset.json !== '/custom-send-magic-code') location.reload()
  })
}
</script>`

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
