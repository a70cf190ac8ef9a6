/**
 * An app that mounts `express.json()` before the kit's routers: malformed JSON is rejected by
 * body-parser before the routers run. With `instantErrorHandler` it gets the kit's 400
 * problem+json; without it, Express's own HTML 400 (as the README says).
 */
import express5 from 'express'
import express4 from 'express4'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { instantErrorHandler, magicCodeRouter } from '../../src/index.js'
import { makeDb, recordingLogger, useLocalInstant } from '../helpers.js'

const local = useLocalInstant()

const EXPRESSES = { express5, express4 } as unknown as Record<string, typeof express5>

describe.each(Object.keys(EXPRESSES))('express.json() before the routers (%s)', (name) => {
  const express = EXPRESSES[name]!

  function app(withHandler: boolean, limit = '100kb') {
    const logger = recordingLogger()
    const app = express()
    app.use(express.json({ limit }))
    app.use(magicCodeRouter({ db: makeDb('ours', local()), sendEmail: async () => {}, logger }))
    if (withHandler) app.use(instantErrorHandler({ logger }))
    return { app, logger }
  }

  it('malformed JSON → 400 invalid_request problem+json with instantErrorHandler', async () => {
    const { app: withHandler, logger } = app(true)
    const res = await request(withHandler)
      .post('/custom-send-magic-code')
      .set('content-type', 'application/json')
      .send('{"email": "a@b.co",')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toEqual({
      type: 'urn:instant-express-auth:error:invalid_request',
      title: 'Invalid request',
      status: 400,
      detail: 'The request is malformed.',
      code: 'invalid_request',
    })
    expect(res.text).not.toContain('a@b.co')
    expect(logger.lines).toEqual([])
  })

  it("without instantErrorHandler, malformed JSON gets Express's HTML 400", async () => {
    const res = await request(app(false).app)
      .post('/custom-send-magic-code')
      .set('content-type', 'application/json')
      .send('{"email": ')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
  })

  it("body-parser's 413 is passed on untouched", async () => {
    const res = await request(app(true, '10b').app)
      .post('/custom-send-magic-code')
      .set('content-type', 'application/json')
      .send({ email: 'someone-long@example.com' })
    expect(res.status).toBe(413)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
  })
})
