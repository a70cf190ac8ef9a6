/**
 * HTML forms without JavaScript, on Express 5, Express 4 and Connect, against Local Instant:
 * form bodies read by the routers themselves, `redirect: { success, failure }` answering form
 * posts with 303s, `requireInstantUser({ redirectTo })` sending page loads to the login page,
 * a forged `next` staying on site, and the CSRF check on every form post.
 */
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  magicCodeRouter,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { FRAMEWORKS, createApp, json, makeDb, useLocalInstant } from '../helpers.js'

const localInstant = useLocalInstant()

const HOST = 'app.example.com'
const OWN = `http://${HOST}`
const FORM = 'application/x-www-form-urlencoded'
const NO_BODY = ''

describe.each(FRAMEWORKS)('forms without JavaScript on %s', (framework) => {
  let db: InstantAuthDb
  beforeAll(() => {
    db = makeDb('ours', localInstant())
  })
  const sentCodes = new Map<string, string>()

  function formApp() {
    const app = createApp(framework)
    const cookie = 'sid'
    app.use(
      signInRouter({
        db,
        cookie,
        rateLimit: false,
        redirect: { success: '/notes', failure: '/login' },
        authenticate: (req) =>
          req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
      }),
    )
    app.use(
      magicCodeRouter({
        db,
        cookie,
        rateLimit: false,
        redirect: { sent: '/login/code', success: '/notes', failure: '/login' },
        sendEmail: ({ email, code }) => void sentCodes.set(email, code),
      }),
    )
    app.use(signOutRouter({ db, cookie, redirect: { success: '/login', failure: '/notes' } }))
    const page = (req: any, res: any) => json(res, 200, { email: req.instant.user.email })
    app.route('GET', '/notes', requireInstantUser({ db, cookie, redirectTo: '/login' }), page)
    return app
  }

  /** A same-origin form post, as a browser sends it. */
  function post(app: ReturnType<typeof formApp>, path: string, fields: string, cookie?: string) {
    const req = request(app.handler)
      .post(path)
      .set('host', HOST)
      .set('origin', OWN)
      .set('sec-fetch-site', 'same-origin')
      .set('content-type', FORM)
    if (cookie !== undefined) req.set('cookie', cookie)
    return req.send(fields)
  }

  function cookieOf(res: { headers: Record<string, unknown> }): string {
    const [set] = res.headers['set-cookie'] as string[]
    return set!.split(';', 1)[0]!
  }

  it('sign-in form → 303 to the page, with the cookie; a refusal → 303 to failure?error=', async () => {
    const app = formApp()
    const email = `form-${framework}@example.com`
    const ok = await post(app, '/sign-in', `email=${encodeURIComponent(email)}&password=right`)
    expect(ok.status).toBe(303)
    expect(ok.headers['location']).toBe('/notes')
    expect(ok.text).toBe(NO_BODY)
    expect(ok.headers['cache-control']).toBe('no-store')
    const session = cookieOf(ok)
    expect(session).toMatch(/^sid=.+/)
    const page = await request(app.handler)
      .get('/notes')
      .set('host', HOST)
      .set('cookie', session)
      .expect(200)
    expect(page.body).toEqual({ email })

    const refused = await post(app, '/sign-in', `email=${encodeURIComponent(email)}&password=no`)
    expect(refused.status).toBe(303)
    expect(refused.headers['location']).toBe('/login?error=invalid_credentials')
    expect(refused.headers['set-cookie']).toBeUndefined()
  })

  it("success follows the form's next only when it is a path of this site", async () => {
    const app = formApp()
    const email = `next-${framework}@example.com`
    const fields = (next: string) =>
      `email=${encodeURIComponent(email)}&password=right&next=${encodeURIComponent(next)}`
    const cases: [string, string][] = [
      ['/notes/7?tab=a#top', '/notes/7?tab=a#top'],
      ['https://evil.example/x', '/notes'],
      ['//evil.example/x', '/notes'],
      ['/\\evil.example', '/notes'],
      ['/%0d%0aSet-Cookie:x=1', '/%0d%0aSet-Cookie:x=1'],
      ['javascript:alert(1)', '/notes'],
      ['notes', '/notes'],
    ]
    for (const [next, location] of cases) {
      const res = await post(app, '/sign-in', fields(next))
      expect(res.status, next).toBe(303)
      expect(res.headers['location'], next).toBe(location)
    }
  })

  it('magic-code forms: send → sent?email=, verify → success, a wrong code → failure with the email', async () => {
    const app = formApp()
    const email = `code-form-${framework}@example.com`
    const sent = await post(app, '/custom-send-magic-code', `email=${encodeURIComponent(email)}`)
    expect(sent.status).toBe(303)
    expect(sent.headers['location']).toBe(`/login/code?email=${encodeURIComponent(email)}`)
    const first = sentCodes.get(email)!
    const wrong = first === '000000' ? '111111' : '000000'
    const refused = await post(
      app,
      '/verify-magic-code',
      `email=${encodeURIComponent(email)}&code=${wrong}`,
    )
    expect(refused.status).toBe(303)
    expect(refused.headers['location']).toBe(
      `/login?error=invalid_code&email=${encodeURIComponent(email)}`,
    )
    const bad = await post(app, '/custom-send-magic-code', 'email=not-an-email')
    expect(bad.headers['location']).toBe('/login?error=invalid_request')
    // The page the user wanted rides along every detour, when it is a path of this site.
    const withNext = await post(
      app,
      '/custom-send-magic-code',
      'email=not-an-email&next=%2Fnotes%2F7',
    )
    expect(withNext.headers['location']).toBe('/login?error=invalid_request&next=%2Fnotes%2F7')
    const forged = await post(
      app,
      '/custom-send-magic-code',
      'email=x&next=https%3A%2F%2Fevil.example',
    )
    expect(forged.headers['location']).toBe('/login?error=invalid_request')
    const resent = await post(
      app,
      '/custom-send-magic-code',
      `email=${encodeURIComponent(email)}&next=%2Fnotes%2F7`,
    )
    expect(resent.headers['location']).toBe(
      `/login/code?email=${encodeURIComponent(email)}&next=%2Fnotes%2F7`,
    )
    const code = sentCodes.get(email)!
    const ok = await post(
      app,
      '/verify-magic-code',
      `email=${encodeURIComponent(email)}&code=${code}&next=%2Fnotes%2Fmine`,
    )
    expect(ok.status).toBe(303)
    expect(ok.headers['location']).toBe('/notes/mine')
    expect(cookieOf(ok)).toMatch(/^sid=.+/)
  })

  it('sign-out form → 303 to success with the cookie cleared, also with no session left', async () => {
    const app = formApp()
    const email = `out-form-${framework}@example.com`
    const session = cookieOf(
      await post(app, '/sign-in', `email=${encodeURIComponent(email)}&password=right`),
    )
    const out = await post(app, '/sign-out', 'next=%2Fbye', session)
    expect(out.status).toBe(303)
    expect(out.headers['location']).toBe('/bye')
    expect(String(out.headers['set-cookie'])).toMatch(/^sid=; .*Max-Age=0/)
    // The token is revoked: the page now sends the browser to the login page.
    const page = await request(app.handler)
      .get('/notes')
      .set('host', HOST)
      .set('cookie', session)
      .set('sec-fetch-mode', 'navigate')
    expect(page.status).toBe(303)
    expect(page.headers['location']).toBe('/login?next=%2Fnotes')
    const again = await post(app, '/sign-out', '')
    expect(again.status).toBe(303)
    expect(again.headers['location']).toBe('/login')
  })

  it('redirectTo: a page load without a session goes to the login page; an API call gets its 401', async () => {
    const app = formApp()
    const nav = await request(app.handler)
      .get('/notes?sort=new')
      .set('host', HOST)
      .set('sec-fetch-mode', 'navigate')
    expect(nav.status).toBe(303)
    expect(nav.headers['location']).toBe('/login?next=%2Fnotes%3Fsort%3Dnew')
    expect(nav.headers['x-content-type-options']).toBe('nosniff')
    const old = await request(app.handler).get('/notes').set('accept', 'text/html,*/*;q=0.8')
    expect(old.status).toBe(303)
    const api = await request(app.handler).get('/notes').set('accept', 'application/json')
    expect(api.status).toBe(401)
    expect(api.body.code).toBe('missing_token')
    const fetchCall = await request(app.handler)
      .get('/notes')
      .set('sec-fetch-mode', 'cors')
      .set('accept', 'text/html')
    expect(fetchCall.status).toBe(401)
  })

  it('a cross-site form post is refused 403 csrf_rejected, not redirected, and signs nobody in', async () => {
    const app = formApp()
    const email = `csrf-form-${framework}@example.com`
    for (const path of ['/sign-in', '/custom-send-magic-code', '/verify-magic-code', '/sign-out']) {
      const res = await request(app.handler)
        .post(path)
        .set('host', HOST)
        .set('origin', 'https://evil.example')
        .set('sec-fetch-site', 'cross-site')
        .set('content-type', FORM)
        .send(`email=${encodeURIComponent(email)}&password=right&code=123456`)
      expect(res.status, path).toBe(403)
      expect(res.body.code, path).toBe('csrf_rejected')
      expect(res.headers['set-cookie'], path).toBeUndefined()
    }
    expect(sentCodes.has(email)).toBe(false)
  })

  it('JSON requests to the same routes answer as before', async () => {
    const app = formApp()
    const res = await request(app.handler)
      .post('/sign-in')
      .set('host', HOST)
      .set('sec-fetch-site', 'same-origin')
      .send({ email: `json-${framework}@example.com`, password: 'right' })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body)).toEqual(['token'])
    const refused = await request(app.handler)
      .post('/sign-in')
      .set('host', HOST)
      .set('sec-fetch-site', 'same-origin')
      .send({ email: `json-${framework}@example.com`, password: 'no' })
    expect(refused.status).toBe(401)
  })
})

describe('form bodies and redirect options', () => {
  let db: InstantAuthDb
  beforeAll(() => {
    db = makeDb('ours', localInstant())
  })

  it('without cookie, a form body the router reads itself is refused with what to do', async () => {
    const app = createApp('express5')
    app.use(signInRouter({ db, rateLimit: false, authenticate: () => null }))
    const res = await request(app.handler)
      .post('/sign-in')
      .set('content-type', FORM)
      .send('email=a%40b.co&password=x')
    expect(res.status).toBe(400)
    expect(res.body.detail).toBe(
      'An HTML form body (application/x-www-form-urlencoded) is read only by a router with `cookie` set; send JSON.',
    )
  })

  it('validates redirect and redirectTo with the factory name', () => {
    const authenticate = () => null
    expect(() =>
      signInRouter({ db, authenticate, redirect: { success: '/', failure: '/login' } }),
    ).toThrow(
      new TypeError(
        'signInRouter(): `redirect` must come with `cookie` (a form post is answered with a redirect, and only the session cookie carries the session to the next page); got `cookie` unset.',
      ),
    )
    expect(() =>
      signInRouter({
        db,
        authenticate,
        cookie: 'sid',
        redirect: { success: '/', failure: 'login' },
      }),
    ).toThrow(
      new TypeError(
        'signInRouter(): `redirect.failure` must be a path of this site (\'/login\') or an absolute http(s) URL; got "login".',
      ),
    )
    expect(() =>
      signInRouter({
        db,
        authenticate,
        cookie: 'sid',
        redirect: { success: '/', failure: '/l', sent: '/c' } as never,
      }),
    ).toThrow('signInRouter(): unknown option `redirect.sent`')
    expect(() =>
      magicCodeRouter({
        db,
        cookie: 'sid',
        sendEmail: () => {},
        redirect: { success: 'javascript:alert(1)', failure: '/l' },
      }),
    ).toThrow('`redirect.success` must be a path of this site')
    expect(() =>
      signInRouter({
        db,
        authenticate,
        cookie: 'sid',
        redirect: { success: 'https://app.example.com/home', failure: '/login' },
      }),
    ).not.toThrow()
    expect(() => optionalInstantUser({ db, redirectTo: '/login' } as never)).toThrow(
      'optionalInstantUser(): `redirectTo` must be left out (it applies to requireInstantUser; an optional page renders signed out); got a string.',
    )
    expect(() => requireInstantUser({ db, redirectTo: 'login' })).toThrow(
      'requireInstantUser(): `redirectTo` must be a path of this site',
    )
  })
})
