/**
 * Use case 3: deliver magic codes with your own email provider.
 *
 * `sendEmail` is any async function taking `{ email, code, expiresInMs }`; throw when the provider refuses
 * and the kit answers 503 without revealing why. Here it posts to an HTTP email API (the shape
 * of Resend's or Postmark's); the kit also ships ready-made providers in
 * `instant-express-auth/email`.
 */
import express from 'express'
import { pathToFileURL } from 'node:url'
import { checkInstant, magicCodeRouter, type InstantAuthDb } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'
import { durationInWords } from 'instant-express-auth/email'

export interface HttpEmailOptions {
  /** The provider's send endpoint, e.g. `https://api.resend.com/emails`. */
  url: string
  apiKey: string
  from: string
}

export function httpEmail({ url, apiKey, from }: HttpEmailOptions) {
  return async function sendEmail({
    email,
    code,
    expiresInMs,
  }: {
    email: string
    code: string
    /** The router's `codeTtlMs`: say what the server enforces, not a fixed figure. */
    expiresInMs: number
  }) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        from,
        to: email,
        subject: 'Your sign-in code',
        text: `Your sign-in code is ${code}. It expires in ${durationInWords(expiresInMs)}.`,
      }),
      signal: AbortSignal.timeout(10_000),
    })
    // Never put the code or the API key in an error message.
    if (!res.ok) throw new Error(`email API answered HTTP ${res.status}`)
  }
}

export function createApp({ db, email }: { db: InstantAuthDb; email: HttpEmailOptions }) {
  const app = express()
  app.use(magicCodeRouter({ db, sendEmail: httpEmail(email) }))
  return app
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { EMAIL_API_URL, EMAIL_API_KEY, EMAIL_FROM } = process.env
  if (!EMAIL_API_URL || !EMAIL_API_KEY || !EMAIL_FROM) {
    throw new Error('Set EMAIL_API_URL, EMAIL_API_KEY and EMAIL_FROM')
  }
  const db = init({
    appId: process.env.INSTANT_APP_ID!, // `npx instant-local` prints these three
    adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
    apiURI: process.env.INSTANT_API_URI,
  })
  await checkInstant(db) // at startup: fails naming the wrong setting, never a secret
  const email = { url: EMAIL_API_URL, apiKey: EMAIL_API_KEY, from: EMAIL_FROM }
  const port = Number(process.env.PORT ?? 3000)
  createApp({ db, email }).listen(port, () => console.log(`Listening on http://localhost:${port}`))
}
