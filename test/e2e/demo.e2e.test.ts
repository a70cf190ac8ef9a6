/**
 * The demo in a real browser: Debian's Chromium driven by playwright-core (never downloaded).
 * Magic-code sign-in through the page's dev mailbox, a todo, sign-out, and the old token's 401;
 * the cookie session's server-rendered page, and a form forged on another origin refused.
 * Screenshots of each step go to test-results/e2e-*.png.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../chromium.js'
import { startDemo, type RunningDemo } from '../../src/demo/start.js'

/** Where the page keeps its token (see src/demo/page.ts). */
const TOKEN_KEY = 'instant-express-auth-demo.token'
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))

describe.skipIf(!hasChromium)('demo in Chromium', () => {
  let demo: RunningDemo
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let elsewhere: Server | undefined

  beforeAll(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true })
    demo = await startDemo({ port: 0, host: '127.0.0.1', dbPath: ':memory:', log: () => {} })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1000, height: 760 } })
    context.setDefaultTimeout(10_000)
    page = await context.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
  }, 60_000)

  afterAll(async () => {
    elsewhere?.closeAllConnections()
    await new Promise((resolve) => (elsewhere ? elsewhere.close(resolve) : resolve(undefined)))
    await browser?.close()
    await demo?.close()
  })

  const shot = (name: string) =>
    page.screenshot({ path: `${RESULTS_DIR}e2e-${name}.png`, fullPage: true })
  const byTestId = (id: string) => page.getByTestId(id)

  it('signs in with a magic code, adds a todo and signs out', async () => {
    const email = 'erin@example.com'
    const csp: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) csp.push(message.text())
    })

    // 1. Signed out: both sign-in forms and the dev mailbox.
    await page.goto(demo.url)
    await page.waitForSelector('body[data-state="signed-out"]')
    await expect(byTestId('signed-out').isVisible()).resolves.toBe(true)
    await expect(byTestId('signed-in').isVisible()).resolves.toBe(false)
    await expect(byTestId('mailbox').isVisible()).resolves.toBe(true)
    await shot('01-signed-out')

    // 2. Ask for a code; it shows up in the dev mailbox panel.
    await byTestId('magic-email').fill(email)
    await byTestId('send-code').click()
    const mailboxCode = page.locator(
      `[data-testid="mailbox-item"][data-email="${email}"] [data-testid="mailbox-code"]`,
    )
    await mailboxCode.first().waitFor()
    const code = (await mailboxCode.first().textContent())?.trim() ?? ''
    expect(code).toMatch(/^\d{6}$/)
    await expect(byTestId('magic-code').isVisible()).resolves.toBe(true)
    await shot('02-code-in-mailbox')

    // 3. A wrong code: the kit's problem+json is shown readably.
    await byTestId('magic-code').fill(code === '000000' ? '111111' : '000000')
    await byTestId('verify-code').click()
    await byTestId('error').waitFor()
    await expect(byTestId('error').textContent()).resolves.toMatch(/invalid_code/)
    await shot('03-wrong-code')

    // 4. The right code signs in; /api/me fills in who we are.
    await byTestId('magic-code').fill(code)
    await byTestId('verify-code').click()
    await page.waitForSelector('body[data-state="signed-in"]')
    await expect(byTestId('me-email').textContent()).resolves.toBe(email)
    await expect(byTestId('error').isVisible()).resolves.toBe(false)
    await expect(byTestId('todo-empty').isVisible()).resolves.toBe(true)
    await shot('04-signed-in')

    // 5. A todo, written and read through req.instant.db.
    await byTestId('todo-title').fill('Try instant-express-auth')
    await byTestId('add-todo').click()
    await byTestId('todo-item').filter({ hasText: 'Try instant-express-auth' }).waitFor()
    await byTestId('todo-title').fill('Read the security notes')
    await byTestId('add-todo').click()
    await expect.poll(() => byTestId('todo-item').count()).toBe(2)
    await expect(byTestId('todo-list').textContent()).resolves.toMatch(
      /Try instant-express-auth.*Read the security notes/,
    )
    // The list is the browser SDK's live query, not a fetch of /api/todos.
    await page.waitForSelector('body[data-todos="live"]')
    await shot('05-todos')

    // 5b. A second tab (same token in localStorage) sees writes of the first live, and back.
    const tab2 = await context.newPage()
    tab2.on('pageerror', (error) => console.error('page error (tab 2):', error.message))
    await tab2.goto(demo.url)
    await tab2.waitForSelector('body[data-todos="live"]')
    await expect.poll(() => tab2.getByTestId('todo-item').count()).toBe(2)
    await byTestId('todo-title').fill('Seen in the other tab')
    await byTestId('add-todo').click()
    await tab2.getByTestId('todo-item').filter({ hasText: 'Seen in the other tab' }).waitFor()
    await tab2.screenshot({ path: `${RESULTS_DIR}e2e-05b-second-tab.png`, fullPage: true })
    await tab2
      .getByTestId('todo-item')
      .filter({ hasText: 'Seen in the other tab' })
      .getByTestId('delete-todo')
      .click()
    await expect.poll(() => byTestId('todo-item').count()).toBe(2)
    await tab2.close()

    // The SDK's writes went through Instant's rules and are what the server side reads too.
    const liveToken = await page.evaluate<string | null>(
      `localStorage.getItem(${JSON.stringify(TOKEN_KEY)})`,
    )
    const serverSide = await fetch(`${demo.url}/api/todos`, { headers: { token: liveToken ?? '' } })
    expect(serverSide.status).toBe(200)
    const { todos } = (await serverSide.json()) as { todos: { title: string }[] }
    expect(todos.map((t) => t.title)).toEqual([
      'Try instant-express-auth',
      'Read the security notes',
    ])

    // 6. Sign out: back to the signed-out page, token gone from localStorage and revoked.
    const token = await page.evaluate<string | null>(
      `localStorage.getItem(${JSON.stringify(TOKEN_KEY)})`,
    )
    expect(token).toMatch(/^[0-9a-f-]{36}$/)
    await byTestId('sign-out').click()
    await page.waitForSelector('body[data-state="signed-out"]')
    await expect(byTestId('signed-out').isVisible()).resolves.toBe(true)
    await expect(byTestId('signed-in').isVisible()).resolves.toBe(false)
    await expect(page.evaluate<number>('localStorage.length')).resolves.toBe(0)
    await shot('06-signed-out-again')

    const me = await fetch(`${demo.url}/api/me`, { headers: { token: token ?? '' } })
    expect(me.status).toBe(401)
    expect(((await me.json()) as { code: string }).code).toBe('invalid_token')
    expect(csp).toEqual([])
  }, 90_000)

  it('signs in with a demo account and password, and sees none of the other user’s todos', async () => {
    await page.goto(demo.url)
    await page.waitForSelector('body[data-state="signed-out"]')
    await page.getByTestId('fill-account').filter({ hasText: 'bob@example.com' }).click()
    await expect(byTestId('password-email').inputValue()).resolves.toBe('bob@example.com')
    await byTestId('password-sign-in').click()
    await page.waitForSelector('body[data-state="signed-in"]')
    await expect(byTestId('me-email').textContent()).resolves.toBe('bob@example.com')
    await expect(byTestId('todo-item').count()).resolves.toBe(0)
    await expect(byTestId('todo-empty').isVisible()).resolves.toBe(true)
    await shot('07-password-sign-in')

    await byTestId('sign-out').click()
    await page.waitForSelector('body[data-state="signed-out"]')
  }, 60_000)

  it('keeps the session in an HttpOnly cookie: server-rendered after a reload, forged posts refused', async () => {
    await page.goto(demo.url)
    await page.waitForSelector('body[data-state="signed-out"]')
    await page.getByTestId('fill-account').filter({ hasText: 'alice@example.com' }).click()
    await byTestId('password-sign-in').click()
    await page.waitForSelector('body[data-state="signed-in"]')
    // HttpOnly: the page's own scripts cannot read the session cookie.
    await expect(page.evaluate<string>('document.cookie')).resolves.toBe('')

    // 1. The server renders the greeting from the cookie, and again after a reload.
    await byTestId('account-link').click()
    await page.waitForURL(`${demo.url}/account`)
    await expect(byTestId('ssr-greeting').textContent()).resolves.toBe('Hello, alice@example.com!')
    await page.reload()
    await expect(byTestId('ssr-greeting').textContent()).resolves.toBe('Hello, alice@example.com!')

    // 2. The plain form posts to the protected route from the app's own page.
    await byTestId('ssr-title').fill('Posted by a plain form')
    await byTestId('ssr-add').click()
    await byTestId('ssr-todo').filter({ hasText: 'Posted by a plain form' }).waitFor()
    await shot('08-server-rendered')

    // 3. A page on a second loopback origin (same host, another port: same-site, so
    // SameSite=Lax still sends the cookie) auto-submits the same form: 403 csrf_rejected.
    elsewhere = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.end(
        `<!doctype html><form id="f" method="post" action="${demo.url}/account/todos">` +
          '<input name="title" value="forged elsewhere"></form>' +
          "<script>document.getElementById('f').submit()</script>",
      )
    })
    await new Promise<void>((resolve) => elsewhere!.listen(0, '127.0.0.1', resolve))
    const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`
    expect(new URL(elsewhereUrl).origin).not.toBe(new URL(demo.url).origin)
    const [forged] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${demo.url}/account/todos` && r.request().method() === 'POST',
      ),
      page.goto(elsewhereUrl),
    ])
    const sent = await forged.request().allHeaders()
    expect(sent['cookie']).toMatch(/instant_demo_token=/)
    expect(sent['origin']).toBe(new URL(elsewhereUrl).origin)
    expect(forged.status()).toBe(403)
    expect(((await forged.json()) as { code: string }).code).toBe('csrf_rejected')
    await shot('09-forged-post-refused')

    await page.goto(`${demo.url}/account`)
    await expect(byTestId('ssr-todo').allTextContents()).resolves.toEqual([
      'Posted by a plain form',
    ])

    // 4. Sign-out on the main page clears the cookie: /account is signed out.
    await page.goto(demo.url)
    await page.waitForSelector('body[data-state="signed-in"]')
    await byTestId('sign-out').click()
    await page.waitForSelector('body[data-state="signed-out"]')
    await page.goto(`${demo.url}/account`)
    await byTestId('ssr-signed-out').waitFor()
    const cookies = await page.context().cookies(demo.url)
    expect(cookies.map((c) => c.name)).not.toContain('instant_demo_token')
  }, 60_000)
})
