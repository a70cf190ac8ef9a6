import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createApp } from './custom-email-provider.js'
import { startTestInstant } from './test-support.js'

/** A stand-in for the email provider's HTTP API, on loopback. */
let emailApi: Server
let received: { headers: IncomingHttpHeaders; body: { to: string; text: string; from: string } }[]
let emailApiStatus = 200

let instant: Awaited<ReturnType<typeof startTestInstant>>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  emailApi = createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (text += chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) })
      res.writeHead(emailApiStatus, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => emailApi.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(emailApi.address() as AddressInfo).port}/emails`

  instant = await startTestInstant()
  app = createApp({ db: instant.db, email: { url, apiKey: 'test-key', from: 'auth@example.com' } })
})

beforeEach(() => {
  received = []
  emailApiStatus = 200
})

afterAll(async () => {
  await instant?.close()
  await new Promise((resolve) => emailApi?.close(resolve))
})

it('delivers the magic code through the custom provider, and the code signs in', async () => {
  const email = 'ada@example.com'
  await request(app).post('/custom-send-magic-code').send({ email }).expect(200, { sent: true })

  expect(received).toHaveLength(1)
  const [message] = received
  expect(message!.headers.authorization).toBe('Bearer test-key')
  expect(message!.body).toMatchObject({ from: 'auth@example.com', to: email })
  const code = /\b(\d{6})\b/.exec(message!.body.text)?.[1]
  expect(code).toBeDefined()

  const res = await request(app).post('/verify-magic-code').send({ email, code }).expect(200)
  expect(typeof res.body.token).toBe('string')
})

it('answers 503 without details when the provider refuses', async () => {
  emailApiStatus = 500
  const res = await request(app)
    .post('/custom-send-magic-code')
    .send({ email: 'grace@example.com' })
    .expect(503)
  expect(res.type).toBe('application/problem+json')
  expect(res.body.code).toBe('email_unavailable')
  expect(JSON.stringify(res.body)).not.toContain('HTTP 500')
})
