/** What the three routers share: body parsers before them, error handlers after them, the common options. */
import express5 from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { KitError, magicCodeRouter, signInRouter, signOutRouter } from '../../src/index.js'
import { makeDb, useLocalInstant } from '../helpers.js'

const localInstant = useLocalInstant()

describe('body parsers and error handlers', () => {
  it('uses the body an express.json() parser already read', async () => {
    const db = makeDb('ours', localInstant())
    const app = express5()
    app.use(express5.json())
    app.use(
      signInRouter({
        db,
        rateLimit: false,
        authenticate: (req) => ({ email: String(req.body['email']) }),
      }),
    )
    const res = await request(app)
      .post('/sign-in')
      .send({ email: 'parsed@example.com' })
      .expect(200)
    expect(res.body.token).toEqual(expect.any(String))
  })

  it("onError: 'next' with Express's default handler keeps the status and Retry-After", async () => {
    const db = makeDb('ours', localInstant())
    const app = express5()
    app.use(
      signInRouter({
        db,
        onError: 'next',
        rateLimit: false,
        authenticate: () => {
          throw new KitError('auth_unavailable', { headers: { 'Retry-After': '5' } })
        },
      }),
    )
    const res = await request(app).post('/sign-in').expect(503)
    expect(res.headers['retry-after']).toBe('5')
  })
})

describe('what every router shares', () => {
  const routers = {
    signInRouter: (o: Record<string, unknown>) =>
      signInRouter({ authenticate: () => null, ...o } as any),
    magicCodeRouter: (o: Record<string, unknown>) =>
      magicCodeRouter({ sendEmail: () => {}, ...o } as any),
    signOutRouter: (o: Record<string, unknown>) => signOutRouter(o as any),
  }

  it.each(Object.entries(routers))('%s validates the shared options once', (name, make) => {
    const db = makeDb('ours', localInstant())
    expect(() => make({})).toThrow(/`db`/)
    expect(() => make({ db, onError: 'throw' })).toThrow(/`onError`/)
    expect(() => make({ db, helmet: 'yes' })).toThrow(/`helmet`/)
    expect(() => make({ db, logger: {} })).toThrow(/`logger`/)
    expect(() => make({ db, onEvent: 'log' })).toThrow(/`onEvent`/)
    for (const bad of [0, -1, Number.NaN, '100', 2 ** 31]) {
      expect(() => make({ db, instantTimeoutMs: bad })).toThrow(/`instantTimeoutMs`/)
    }
    expect(() => make({ db, path: 'no-slash' })).toThrow(/`path`/)
    expect(() => (routers[name as keyof typeof routers] as any)(undefined)).toThrow(TypeError)
  })

  it('catches a router factory passed to app.use() uncalled', () => {
    const req = { headers: {}, method: 'POST', url: '/sign-in' }
    for (const factory of [signInRouter, magicCodeRouter, signOutRouter]) {
      expect(() => (factory as any)(req, {}, () => {})).toThrow(
        `It looks like you did app.use(${factory.name})`,
      )
    }
  })
})
