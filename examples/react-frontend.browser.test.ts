/**
 * The React example in a real browser (Debian's Chromium driven by playwright-core, never
 * downloaded): the page signs in through the kit's magic-code routes, hands the token to
 * `@instantdb/react`, shows the user's notes live and writes them with `db.transact`, against
 * Local Instant; a write from the server shows up without a reload, and another user's note
 * never does (the rules).
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../test/chromium.js'
import { id, tx } from 'instant-express-auth/admin'
import { createApp, RULES } from './react-frontend/server.js'
import { startTestInstant } from './test-support.js'

describe.skipIf(!hasChromium)('the React frontend in Chromium', () => {
  let instant: Awaited<ReturnType<typeof startTestInstant>>
  let server: Server
  let browser: Browser
  let url: string
  const codes = new Map<string, string>()

  beforeAll(async () => {
    instant = await startTestInstant({ rules: RULES })
    const { local } = instant
    const app = createApp({
      db: instant.db,
      sendEmail: ({ email, code }) => void codes.set(email, code),
      instant: { appId: local.appId, apiURI: local.apiURI, websocketURI: local.websocketURI },
    })
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://localhost:${(server.address() as AddressInfo).port}`
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    await instant?.close()
  })

  it('signs in with a magic code, lists and writes notes live, signs out', async () => {
    const context = await browser.newContext()
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    const email = 'ada@example.com'
    await page.goto(`${url}/`)

    // A wrong code is refused with the kit's problem detail; the right one signs in.
    await page.fill('input[name=email]', email)
    await page.click('button[type=submit]')
    await page.waitForSelector('input[name=code]')
    const code = codes.get(email)!
    await page.fill('input[name=code]', code === '000000' ? '111111' : '000000')
    await page.click('button[type=submit]')
    await expect(page.getByTestId('error').textContent()).resolves.toMatch(/code/i)
    await page.fill('input[name=code]', code)
    await page.click('button[type=submit]')
    await expect(page.getByTestId('greeting').textContent()).resolves.toBe(`Signed in as ${email}`)

    // A write from the page, through db.transact, comes back through the live query.
    await page.fill('input[name=text]', 'from the page')
    await page.click('text=Add')
    await page.getByText('from the page').waitFor()

    // A write from the server (as the user, rules applied) appears without a reload; another
    // user's note is never shown.
    const user = (await instant.db.auth.getUser({ email }))!
    const other = await instant.db.auth.createToken({ email: 'grace@example.com' })
    const otherUser = await instant.db.auth.verifyToken(other)
    await instant.db.transact(
      tx.notes![id()]!.update({ text: "grace's", ownerId: otherUser.id, createdAt: 1 }),
    )
    await instant.db
      .asUser({ email })
      .transact(
        tx.notes![id()]!.update({ text: 'from the server', ownerId: user.id, createdAt: 2 }),
      )
    await page.getByText('from the server').waitFor()
    expect(await page.getByTestId('notes').locator('li').allTextContents()).toEqual([
      'from the server',
      'from the page',
    ])

    await page.click('text=Sign out')
    await page.waitForSelector('input[name=email]')
    await context.close()
  }, 60_000)
})
