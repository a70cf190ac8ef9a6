/**
 * The no-JavaScript form flow of server-rendered.ts in a real browser: Debian's Chromium driven
 * by playwright-core (never downloaded), with JavaScript turned off. A signed-out page load goes
 * to the login page with `next`, the email and code forms sign in through 303s, and a forged
 * `next=https://evil.example` stays on site.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../test/chromium.js'
import { createApp, RULES } from './server-rendered.js'
import { startTestInstant } from './test-support.js'

describe.skipIf(!hasChromium)('server-rendered forms in Chromium, JavaScript off', () => {
  let instant: Awaited<ReturnType<typeof startTestInstant>>
  let server: Server
  let browser: Browser
  let context: BrowserContext
  let url: string
  const codes = new Map<string, string>()

  beforeAll(async () => {
    instant = await startTestInstant({ rules: RULES })
    const app = createApp({
      db: instant.db,
      sendEmail: ({ email, code }) => void codes.set(email, code),
      // Plain http on loopback: `secure: false` applies there only.
      cookie: { name: 'instant_token', secure: false },
    })
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    // `localhost`, not the IP: the address a developer types, and a secure context.
    url = `http://localhost:${(server.address() as AddressInfo).port}`
    browser = await launchChromium()
    context = await browser.newContext({ javaScriptEnabled: false })
    context.setDefaultTimeout(10_000)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    await instant?.close()
  })

  it('signed out → login with next → code → the page; a note; sign-out → login', async () => {
    const page = await context.newPage()
    const email = 'grace@example.com'
    await page.goto(`${url}/`)
    expect(page.url()).toBe(`${url}/login?next=%2F`)
    await page.fill('input[name=email]', email)
    await page.click('button')
    await page.waitForURL(/\/login\/code\?/)
    expect(new URL(page.url()).searchParams.get('email')).toBe(email)
    // A wrong code first: back to the code form, told why.
    const code = codes.get(email)!
    await page.fill('input[name=code]', code === '000000' ? '111111' : '000000')
    await page.click('button')
    await page.waitForURL(/error=invalid_code/)
    await expect(page.getByTestId('error').textContent()).resolves.toContain('not right')
    await page.fill('input[name=code]', code)
    await page.click('button')
    await page.waitForURL(`${url}/`)
    await expect(page.getByTestId('greeting').textContent()).resolves.toBe(`Hello, ${email}!`)
    const [cookie] = await context.cookies(url)
    expect(cookie).toMatchObject({ name: 'instant_token', httpOnly: true, sameSite: 'Lax' })

    await page.fill('input[name=title]', 'Written without JavaScript')
    await page.click('text=Add note')
    await page.waitForURL(`${url}/`)
    await expect(page.getByTestId('notes').textContent()).resolves.toBe(
      'Written without JavaScript',
    )

    await page.click('text=Sign out')
    await page.waitForURL(`${url}/login`)
    expect(await context.cookies(url)).toEqual([])
    await page.goto(`${url}/`)
    expect(page.url()).toBe(`${url}/login?next=%2F`)
    await page.close()
  })

  it('a forged next=https://evil.example stays on site', async () => {
    const page = await context.newPage()
    const email = 'mallory-target@example.com'
    await page.goto(`${url}/login?next=${encodeURIComponent('https://evil.example/steal')}`)
    await page.fill('input[name=email]', email)
    await page.click('button')
    await page.waitForURL(/\/login\/code\?/)
    expect(new URL(page.url()).searchParams.has('next')).toBe(false)
    await page.fill('input[name=code]', codes.get(email)!)
    await page.click('button')
    await page.waitForURL(`${url}/`)
    expect(new URL(page.url()).origin).toBe(url)
    await page.close()
  })
})
