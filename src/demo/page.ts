/**
 * The demo's single page: HTML, CSS and a little vanilla JS, kept as strings so `npm start`
 * needs no static-file copy step and no front-end build. The HTML and CSS carry no inline
 * script or style, so the page runs under a strict `script-src 'self'` CSP.
 */
import { escapeHtml } from '../email/index.js'

interface DemoAccountHint {
  email: string
  password: string
}

interface RenderPageOptions {
  /** Show the dev-mailbox panel (only in dev mode, against Local Instant). */
  devMailbox: boolean
  /** Password accounts to list as a hint under the password form. */
  accounts: readonly DemoAccountHint[]
  /** Where the backing Instant lives, shown in the footer. */
  backend: string
  /**
   * When given, the todos run in the browser on `@instantdb/core` (`/todos.js`) against this
   * Instant: a live query and `transact`, instead of the `/api/todos` round trips.
   */
  instant?: BrowserInstantConfig | undefined
}

/** What the browser SDK needs to reach Instant; written into `<body data-*>`, not inline script. */
export interface BrowserInstantConfig {
  appId: string
  apiURI: string
  websocketURI: string
}

/** The page's HTML; everything dynamic is filled in by `/app.js` with `textContent`. */
export function renderPage(options: RenderPageOptions): string {
  const accounts = options.accounts
    .map(
      (a) =>
        `<li><button type="button" class="link" data-testid="fill-account" data-email="${escapeHtml(a.email)}" data-password="${escapeHtml(a.password)}">${escapeHtml(a.email)}</button> / <code>${escapeHtml(a.password)}</code></li>`,
    )
    .join('')
  const mailbox = options.devMailbox
    ? `<section class="card mailbox" id="mailbox" data-testid="mailbox" aria-labelledby="mailbox-title">
        <h2 id="mailbox-title">Dev mailbox</h2>
        <p class="muted">Magic codes sent by this server (dev mode only; also printed in the terminal).</p>
        <ul id="mailbox-list" data-testid="mailbox-list"></ul>
        <p id="mailbox-empty" class="muted" data-testid="mailbox-empty">No codes sent yet.</p>
      </section>`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>instant-express-auth demo</title>
<link rel="stylesheet" href="/app.css">
${options.instant ? '<script src="/todos.js" defer></script>\n' : ''}<script src="/app.js" defer></script>
</head>
<body${
    options.instant
      ? ` data-app-id="${escapeHtml(options.instant.appId)}" data-api-uri="${escapeHtml(options.instant.apiURI)}" data-websocket-uri="${escapeHtml(options.instant.websocketURI)}"`
      : ''
  }>
<header>
  <h1>instant-express-auth <span class="muted">demo</span></h1>
  <p class="muted">Express routers and middleware for InstantDB auth. Backend: <code id="backend">${escapeHtml(options.backend)}</code></p>
</header>
<main>
  <div id="error" class="error" role="alert" data-testid="error" hidden></div>

  <div id="signed-out" data-testid="signed-out" hidden>
    <div class="grid">
      <section class="card" aria-labelledby="magic-title">
        <h2 id="magic-title">Sign in with a magic code</h2>
        <form id="send-code-form">
          <label for="magic-email">Email</label>
          <input id="magic-email" data-testid="magic-email" type="email" autocomplete="email" required placeholder="you@example.com">
          <button id="send-code" data-testid="send-code" type="submit">Send code</button>
        </form>
        <form id="verify-code-form" hidden>
          <p class="muted" id="code-sent" data-testid="code-sent"></p>
          <label for="magic-code">Code</label>
          <input id="magic-code" data-testid="magic-code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9]{6}" maxlength="6" placeholder="123456">
          <button id="verify-code" data-testid="verify-code" type="submit">Verify and sign in</button>
        </form>
      </section>
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Sign in with a password</h2>
        <form id="password-form">
          <label for="password-email">Email</label>
          <input id="password-email" data-testid="password-email" type="email" autocomplete="username" required>
          <label for="password">Password</label>
          <input id="password" data-testid="password" type="password" autocomplete="current-password" required>
          <button id="password-sign-in" data-testid="password-sign-in" type="submit">Sign in</button>
        </form>
        ${accounts ? `<p class="muted">Demo accounts (click to fill in):</p><ul class="accounts">${accounts}</ul>` : ''}
      </section>
    </div>
    ${mailbox}
  </div>

  <div id="signed-in" data-testid="signed-in" hidden>
    <section class="card" aria-labelledby="me-title">
      <div class="row">
        <h2 id="me-title">Signed in as <span id="me-email" data-testid="me-email"></span></h2>
        <button id="sign-out" data-testid="sign-out" type="button" class="secondary">Sign out</button>
      </div>
      <p class="muted">User id <code id="me-id" data-testid="me-id"></code>, from <code>GET /api/me</code> behind <code>requireInstantUser</code>.</p>
      <p class="muted"><a href="/account" data-testid="account-link">The same session, rendered on the server</a> from the HttpOnly cookie.</p>
    </section>
    <section class="card" aria-labelledby="todos-title">
      <h2 id="todos-title">Your todos</h2>
      <p class="muted">${
        options.instant
          ? "Live in the browser with <code>@instantdb/core</code> (<code>signInWithToken</code>, a live query, <code>transact</code>): open a second tab and watch. Instant's permission rules show each user only their own."
          : "Read and written through <code>req.instant.db</code>: Instant's permission rules show each user only their own."
      }</p>
      <form id="todo-form" class="row">
        <label for="todo-title" class="visually-hidden">New todo</label>
        <input id="todo-title" data-testid="todo-title" required maxlength="200" placeholder="What needs doing?">
        <button id="add-todo" data-testid="add-todo" type="submit">Add</button>
      </form>
      <ul id="todo-list" data-testid="todo-list"></ul>
      <p id="todo-empty" class="muted" data-testid="todo-empty">No todos yet.</p>
    </section>
  </div>
</main>
<footer class="muted">Token kept in <code>localStorage</code> and sent in the <code>token</code> header.</footer>
</body>
</html>
`
}

/** The page's stylesheet, served at `/app.css`. */
export const PAGE_CSS = `
:root { color-scheme: light dark; --accent: #4f46e5; --bg: #f7f7fb; --card: #fff; --text: #1f2330; --muted: #6b7080; --border: #e1e3ea; --danger: #b42318; }
@media (prefers-color-scheme: dark) { :root { --bg: #15161c; --card: #1f2029; --text: #e8e9ee; --muted: #9a9eb0; --border: #2f3140; --danger: #f97066; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 920px; padding: 24px 20px 40px; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
h1 { margin: 0 0 4px; font-size: 1.6rem; }
h2 { margin: 0 0 12px; font-size: 1.15rem; }
header { margin-bottom: 20px; }
header p { margin: 0; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted { color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 18px 20px; margin-bottom: 16px; }
.grid .card { margin-bottom: 0; }
.grid + .card { margin-top: 16px; }
label { display: block; font-weight: 600; margin: 10px 0 4px; }
input { width: 100%; padding: 8px 10px; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 6px; }
input:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
button { margin-top: 12px; padding: 8px 16px; font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 6px; cursor: pointer; }
button:disabled { opacity: 0.6; cursor: progress; }
button.secondary { color: var(--text); background: transparent; border: 1px solid var(--border); }
button.link { margin: 0; padding: 0; color: var(--accent); background: none; font-weight: 400; text-decoration: underline; }
button.danger { margin: 0; padding: 4px 10px; color: var(--danger); background: transparent; border: 1px solid var(--border); font-weight: 400; }
.row { display: flex; gap: 10px; align-items: center; justify-content: space-between; }
.row h2 { margin: 0; }
.row button { margin-top: 0; }
#todo-form input { flex: 1; }
ul { padding-left: 0; list-style: none; margin: 12px 0 0; }
.accounts li { margin: 2px 0; }
#todo-list li, #mailbox-list li { display: flex; justify-content: space-between; align-items: center; gap: 10px; padding: 8px 0; border-top: 1px solid var(--border); }
#mailbox-list .code { font: 600 1.15rem ui-monospace, SFMono-Regular, Menlo, monospace; letter-spacing: 0.12em; }
.mailbox { border-style: dashed; }
.error { margin-bottom: 16px; padding: 10px 14px; border: 1px solid var(--danger); border-radius: 8px; color: var(--danger); background: color-mix(in srgb, var(--danger) 8%, transparent); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
footer { margin-top: 24px; font-size: 0.9em; }
`

/**
 * The page's script, served at `/app.js`. Plain ES2020 in the browser: no framework, no build.
 * User data is only ever written with `textContent`, never `innerHTML`.
 */
export const PAGE_JS = `'use strict'
;(() => {
  const TOKEN_KEY = 'instant-express-auth-demo.token'
  const $ = (id) => document.getElementById(id)
  const hasMailbox = Boolean($('mailbox'))
  // Set by /todos.js when the page runs the todos on @instantdb/core in the browser.
  const live = window.demoTodos || null
  let mailboxTimer = null

  const getToken = () => localStorage.getItem(TOKEN_KEY)
  const setToken = (token) =>
    token ? localStorage.setItem(TOKEN_KEY, token) : localStorage.removeItem(TOKEN_KEY)

  function showError(message) {
    const box = $('error')
    box.textContent = message || ''
    box.hidden = !message
  }

  /** Turns a failed response into one readable line, using problem+json when there is one. */
  async function describeFailure(res) {
    let body = null
    try {
      body = await res.json()
    } catch {}
    if (body && (body.detail || body.title)) {
      const text = [body.title, body.detail].filter(Boolean).join(': ')
      return body.code ? text + ' (' + body.code + ')' : text
    }
    return 'Request failed with HTTP ' + res.status
  }

  /** fetch with JSON in and out, the token header when signed in, and readable errors. */
  async function api(method, path, body) {
    const headers = { accept: 'application/json' }
    const token = getToken()
    if (token) headers.token = token
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch {
      throw Object.assign(new Error('The server could not be reached.'), { status: 0 })
    }
    if (!res.ok) {
      const message = await describeFailure(res)
      throw Object.assign(new Error(message), { status: res.status })
    }
    return res.status === 204 ? null : res.json()
  }

  /** Runs a form action with its button disabled and any error shown on the page. */
  async function guarded(button, action) {
    showError('')
    if (button) button.disabled = true
    try {
      await action()
    } catch (err) {
      if (err.status === 401 && getToken()) {
        setToken(null)
        await render()
      }
      showError(err.message)
    } finally {
      if (button) button.disabled = false
    }
  }

  async function render() {
    const token = getToken()
    if (token) {
      try {
        const me = await api('GET', '/api/me')
        $('me-email').textContent = me.email || '(no email)'
        $('me-id').textContent = me.id
        $('signed-out').hidden = true
        $('signed-in').hidden = false
        stopMailbox()
        if (live) await live.start(token, me.id)
        else await loadTodos()
        document.body.dataset.state = 'signed-in'
        return
      } catch (err) {
        if (err.status === 401) setToken(null)
        else showError(err.message)
        if (err.status !== 401) return
      }
    }
    $('signed-in').hidden = true
    $('signed-out').hidden = false
    $('verify-code-form').hidden = true
    startMailbox()
    document.body.dataset.state = 'signed-out'
  }

  async function loadTodos() {
    const { todos } = await api('GET', '/api/todos')
    const list = $('todo-list')
    list.replaceChildren(
      ...todos.map((todo) => {
        const item = document.createElement('li')
        item.dataset.testid = 'todo-item'
        item.dataset.id = todo.id
        const title = document.createElement('span')
        title.textContent = todo.title
        const remove = document.createElement('button')
        remove.type = 'button'
        remove.className = 'danger'
        remove.textContent = 'Delete'
        remove.dataset.testid = 'delete-todo'
        remove.addEventListener('click', () =>
          guarded(remove, async () => {
            await api('DELETE', '/api/todos/' + encodeURIComponent(todo.id))
            await loadTodos()
          }),
        )
        item.append(title, remove)
        return item
      }),
    )
    $('todo-empty').hidden = todos.length > 0
  }

  async function loadMailbox() {
    try {
      const { messages } = await api('GET', '/dev/mailbox')
      const list = $('mailbox-list')
      list.replaceChildren(
        ...messages.map((m) => {
          const item = document.createElement('li')
          item.dataset.testid = 'mailbox-item'
          item.dataset.email = m.email
          const who = document.createElement('span')
          who.textContent = m.email
          const code = document.createElement('span')
          code.className = 'code'
          code.dataset.testid = 'mailbox-code'
          code.textContent = m.code
          item.append(who, code)
          return item
        }),
      )
      $('mailbox-empty').hidden = messages.length > 0
    } catch {}
  }

  function startMailbox() {
    if (!hasMailbox || mailboxTimer) return
    loadMailbox()
    mailboxTimer = setInterval(loadMailbox, 2000)
  }

  function stopMailbox() {
    if (mailboxTimer) clearInterval(mailboxTimer)
    mailboxTimer = null
  }

  async function signedIn(token) {
    setToken(token)
    for (const form of ['send-code-form', 'verify-code-form', 'password-form']) $(form).reset()
    await render()
  }

  $('send-code-form').addEventListener('submit', (event) => {
    event.preventDefault()
    guarded($('send-code'), async () => {
      const email = $('magic-email').value.trim()
      await api('POST', '/custom-send-magic-code', { email })
      $('code-sent').textContent =
        'If ' + email + ' can sign in, a code is on its way' +
        (hasMailbox ? ' (see the dev mailbox below).' : '.')
      $('verify-code-form').hidden = false
      $('magic-code').focus()
      if (hasMailbox) await loadMailbox()
    })
  })

  $('verify-code-form').addEventListener('submit', (event) => {
    event.preventDefault()
    guarded($('verify-code'), async () => {
      const { token } = await api('POST', '/verify-magic-code', {
        email: $('magic-email').value.trim(),
        code: $('magic-code').value.trim(),
      })
      await signedIn(token)
    })
  })

  $('password-form').addEventListener('submit', (event) => {
    event.preventDefault()
    guarded($('password-sign-in'), async () => {
      const { token } = await api('POST', '/sign-in', {
        email: $('password-email').value.trim(),
        password: $('password').value,
      })
      await signedIn(token)
    })
  })

  for (const button of document.querySelectorAll('[data-testid="fill-account"]')) {
    button.addEventListener('click', () => {
      $('password-email').value = button.dataset.email
      $('password').value = button.dataset.password
    })
  }

  $('todo-form').addEventListener('submit', (event) => {
    event.preventDefault()
    guarded($('add-todo'), async () => {
      const title = $('todo-title').value.trim()
      if (live) await live.add(title)
      else {
        await api('POST', '/api/todos', { title })
        await loadTodos()
      }
      $('todo-title').value = ''
    })
  })

  $('sign-out').addEventListener('click', () =>
    guarded($('sign-out'), async () => {
      try {
        await api('POST', '/sign-out')
      } finally {
        setToken(null)
        if (live) await live.stop()
        await render()
      }
    }),
  )

  render()
})()
`
