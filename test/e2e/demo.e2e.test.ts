/**
 * The demo in a real browser: Debian's Chromium driven by playwright-core (never downloaded).
 * Magic-code sign-in through the page's dev mailbox, a todo, sign-out, and the old token's 401.
 * Screenshots of each step go to test-results/e2e-*.png.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type RunningDemo } from '../../src/demo/start.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
]
/** Where the page keeps its token (see src/demo/page.ts). */
const TOKEN_KEY = 'instant-express-auth-demo.token'
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))
const hasChromium = existsSync(CHROMIUM)

if (!hasChromium) {
  console.warn(`Skipping the browser test: ${CHROMIUM} not found (apt-get install chromium).`)
}

describe.skipIf(!hasChromium)('demo in Chromium', () => {
  let demo: RunningDemo
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true })
    demo = await startDemo({ port: 0, host: '127.0.0.1', dbPath: ':memory:', log: () => {} })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
    })
    context = await browser.newContext({ viewport: { width: 1000, height: 760 } })
    context.setDefaultTimeout(10_000)
    page = await context.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
  }, 60_000)

  afterAll(async () => {
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
})
