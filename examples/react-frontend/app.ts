/// <reference lib="dom" />
/**
 * The frontend of an Express + Instant app, on `@instantdb/react`: the user signs in through the
 * kit's magic-code routes (`/custom-send-magic-code`, `/verify-magic-code`), the page hands the token
 * to `db.auth.signInWithToken`, then `db.useQuery` shows the user's notes live and
 * `db.transact` writes them, straight to Instant (Local Instant here), under the app's rules.
 * Bundled by esbuild (server.ts) into `/app.js`; `createElement` instead of JSX, so it needs no
 * JSX compiler settings.
 */
import { id, init } from '@instantdb/react'
import { createElement as h, useState, type FormEvent, type ReactNode } from 'react'
import { createRoot } from 'react-dom/client'

/** What the server writes into the page: where Instant is (both URIs, or it dials Instant Cloud). */
interface Config {
  appId: string
  apiURI: string
  websocketURI: string
}

const config = JSON.parse(document.getElementById('config')?.textContent ?? '{}') as Config
const db = init({ appId: config.appId, apiURI: config.apiURI, websocketURI: config.websocketURI })

/** POSTs JSON to one of the kit's routes; a refusal throws its problem's `detail`. */
async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const answer = (await res.json()) as T & { detail?: string }
  if (!res.ok) throw new Error(answer.detail ?? `HTTP ${res.status}`)
  return answer
}

function SignIn(): ReactNode {
  const [email, setEmail] = useState('')
  const [code, setCode] = useState('')
  const [sent, setSent] = useState(false)
  const [error, setError] = useState<string>()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    const step = sent
      ? post<{ token: string }>('/verify-magic-code', { email, code }).then(({ token }) =>
          db.auth.signInWithToken(token),
        )
      : post('/custom-send-magic-code', { email }).then(() => setSent(true))
    step.catch((err: Error) => setError(err.message))
  }
  return h(
    'form',
    { onSubmit: submit },
    sent
      ? h('input', {
          name: 'code',
          placeholder: 'The code from the email',
          value: code,
          onChange: (e: { target: { value: string } }) => setCode(e.target.value),
        })
      : h('input', {
          name: 'email',
          type: 'email',
          placeholder: 'you@example.com',
          value: email,
          onChange: (e: { target: { value: string } }) => setEmail(e.target.value),
        }),
    h('button', { type: 'submit' }, sent ? 'Sign in' : 'Email me a code'),
    error === undefined ? null : h('p', { 'data-testid': 'error' }, error),
  )
}

function Notes({ userId, email }: { userId: string; email: string }): ReactNode {
  const [text, setText] = useState('')
  // Live: every write this user may see, from any tab or server, re-renders the list.
  const { isLoading, error, data } = db.useQuery({ notes: { $: { where: { ownerId: userId } } } })
  const add = (event: FormEvent) => {
    event.preventDefault()
    void db.transact(db.tx.notes![id()]!.update({ text, ownerId: userId, createdAt: Date.now() }))
    setText('')
  }
  const notes = [...((data?.notes ?? []) as { id: string; text: string; createdAt: number }[])]
  notes.sort((a, b) => a.createdAt - b.createdAt)
  return h(
    'main',
    null,
    h('p', { 'data-testid': 'greeting' }, `Signed in as ${email}`),
    h('button', { type: 'button', onClick: () => void db.auth.signOut() }, 'Sign out'),
    h(
      'form',
      { onSubmit: add },
      h('input', {
        name: 'text',
        placeholder: 'A note',
        value: text,
        onChange: (e: { target: { value: string } }) => setText(e.target.value),
      }),
      h('button', { type: 'submit' }, 'Add'),
    ),
    isLoading
      ? h('p', null, 'Loading…')
      : error
        ? h('p', { 'data-testid': 'error' }, error.message)
        : h(
            'ul',
            { 'data-testid': 'notes' },
            notes.map((note) => h('li', { key: note.id }, note.text)),
          ),
  )
}

function App(): ReactNode {
  const { isLoading, user, error } = db.useAuth()
  if (isLoading) return h('p', null, 'Loading…')
  if (error) return h('p', { 'data-testid': 'error' }, error.message)
  return user ? h(Notes, { userId: user.id, email: user.email ?? '' }) : h(SignIn)
}

createRoot(document.getElementById('root') as HTMLElement).render(h(App))
