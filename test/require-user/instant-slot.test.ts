import { IncomingMessage } from 'node:http'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import express5 from 'express'
import express4 from 'express4'
import { optionalInstantUser, requireInstantUser } from '../../src/index.js'
import { setInstant } from '../../src/require-user/instant-slot.js'
import { FRAMEWORKS, createApp, json, makeDb, useLocalInstant, userToken } from '../helpers.js'

const localInstant = useLocalInstant()

describe.each(FRAMEWORKS)('req.instant on %s', (framework) => {
  it('is readable by the handler, and on Express leaves the request its own keys', async () => {
    const db = makeDb('ours', localInstant())
    const app = createApp(framework)
    const keysBefore = new WeakMap<object, number>()
    app.route(
      'GET',
      '/me',
      (req, _res, next) => {
        keysBefore.set(req, Object.keys(req).length)
        next()
      },
      requireInstantUser({ db }),
      (req, res) =>
        json(res, 200, {
          email: req.instant.user.email,
          own: Object.hasOwn(req, 'instant'),
          addedKeys: Object.keys(req).length - keysBefore.get(req)!,
        }),
    )
    const token = await userToken(localInstant(), 'slot@example.com')
    const res = await request(app.handler).get('/me').set('token', token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual(
      framework === 'connect'
        ? { email: 'slot@example.com', own: true, addedKeys: 1 }
        : { email: 'slot@example.com', own: false, addedKeys: 0 },
    )
    expect(Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'instant')).toBeUndefined()
  })

  it('belongs to its request: the next request starts without one', async () => {
    const db = makeDb('ours', localInstant())
    const app = createApp(framework)
    app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
      json(res, 200, { email: req.instant.user.email }),
    )
    app.route('GET', '/open', (req, res) => json(res, 200, { instant: req.instant ?? 'unset' }))
    app.route('GET', '/feed', optionalInstantUser({ db }), (req, res) =>
      json(res, 200, { instant: req.instant === null ? 'null' : req.instant.user.email }),
    )
    const token = await userToken(localInstant(), 'slot-two@example.com')
    const agent = request(app.handler)
    expect((await agent.get('/me').set('token', token)).body).toEqual({
      email: 'slot-two@example.com',
    })
    expect((await agent.get('/open')).body).toEqual({ instant: 'unset' })
    expect((await agent.get('/feed')).body).toEqual({ instant: 'null' })
    expect((await agent.get('/feed').set('token', token)).body).toEqual({
      instant: 'slot-two@example.com',
    })
  })
})

describe.each([
  ['express5', express5],
  ['express4', express4 as unknown as typeof express5],
] as const)('req.instant across Express apps (%s)', (_name, express) => {
  it('stays set after a sub-app hands the request back to its parent', async () => {
    const db = makeDb('ours', localInstant())
    const parent = express()
    const sub = express()
    sub.use(requireInstantUser({ db }))
    sub.get('/me', (_req, _res, next) => next())
    parent.use('/api', sub)
    parent.get('/api/me', (req, res) => {
      res.json({ email: req.instant?.user.email ?? 'lost' })
    })
    const token = await userToken(localInstant(), 'slot-sub@example.com')
    const res = await request(parent).get('/api/me').set('token', token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email: 'slot-sub@example.com' })
  })

  it('takes an assignment by the app like a plain property', async () => {
    const db = makeDb('ours', localInstant())
    const app = express()
    app.get('/me', requireInstantUser({ db }), (req, res, next) => {
      req.instant = null
      next()
    })
    app.get('/me', (req, res) => {
      res.json({ instant: req.instant })
    })
    const token = await userToken(localInstant(), 'slot-assign@example.com')
    const res = await request(app).get('/me').set('token', token)
    expect(res.body).toEqual({ instant: null })
  })
})

describe('setInstant on requests that are not Express requests', () => {
  it('leaves a prototype with an instant of someone else alone', () => {
    const stored: unknown[] = []
    const base = Object.create(IncomingMessage.prototype, {
      instant: {
        configurable: true,
        get: () => 'theirs',
        set: (value: unknown) => void stored.push(value),
      },
    })
    const req = Object.create(Object.create(base))
    setInstant(req, null)
    expect(stored).toEqual([null])
    expect(req.instant).toBe('theirs')
    expect(Object.getOwnPropertyDescriptor(base, 'instant')?.get?.()).toBe('theirs')
  })

  it('does not use the table when an app prototype has an instant of its own', () => {
    const base = Object.create(IncomingMessage.prototype)
    const appRequest = Object.create(base, {
      instant: { configurable: true, writable: true, value: 'app default' },
    })
    for (const req of [Object.create(appRequest), Object.create(appRequest)]) {
      setInstant(req, null)
      expect(Object.getOwnPropertyDescriptor(req, 'instant')?.value).toBeNull()
    }
    expect(Object.getOwnPropertyDescriptor(base, 'instant')).toBeUndefined()
  })

  it('uses an own property on a bare IncomingMessage or a plain object', () => {
    const raw = Object.create(IncomingMessage.prototype)
    setInstant(raw, null)
    expect(Object.getOwnPropertyDescriptor(raw, 'instant')).toEqual({
      value: null,
      writable: true,
      enumerable: true,
      configurable: true,
    })
    const plain: { instant?: null } = {}
    setInstant(plain, null)
    expect(Object.hasOwn(plain, 'instant')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'instant')).toBeUndefined()
  })
})
