import connect from 'connect'
import express from 'express'
import express4 from 'express4'
import { init as sdkInit } from '@instantdb/admin'
import { describe, expectTypeOf, it } from 'vitest'
import { init } from '../src/admin/index.js'
import {
  KitError,
  instantHandler,
  isKitError,
  magicCodeRouter,
  memoryStore,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type InstantContext,
  type InstantUser,
  type InstantUserMiddleware,
  type OptionalInstantRequest,
  type InstantRequest,
  type KitErrorCode,
  type MagicCodeEmail,
  type StateStore,
} from '../src/index.js'
import { memoryEmail } from '../src/email/index.js'

type Provided<M> = M extends InstantUserMiddleware<infer P> ? P : never

const config = { appId: 'a', adminToken: 'b' }
const db = init(config)
const sdk = sdkInit(config)

describe('types', () => {
  it('accepts our client and the official SDK as db', () => {
    requireInstantUser({ db })
    requireInstantUser({ db: sdk })
    signInRouter({ db: sdk, authenticate: async () => null })
    magicCodeRouter({ db: sdk, sendEmail: async () => {} })
    signOutRouter({ db: sdk, scope: 'all' })
  })

  it('magicCodeRouter takes a state store and the code rules; sendEmail learns the validity', () => {
    const store: StateStore = memoryStore({ maxKeys: 10 })
    magicCodeRouter({
      db,
      store,
      codeTtlMs: 15_000,
      codeAttempts: 3,
      dailyLimits: { sendsPerEmail: 5, attemptsPerEmail: 10, attemptsPerClient: 5 },
      rateLimit: { verifyFailuresPerClient: { limit: 3 }, verifyFailuresPerEmail: false },
      sendEmail: ({ expiresInMs }) => {
        expectTypeOf(expiresInMs).toBeNumber()
      },
    })
    magicCodeRouter({ db, sendEmail: memoryEmail() })
    expectTypeOf<MagicCodeEmail>().toHaveProperty('expiresInMs')
    signInRouter({ db, authenticate: () => null, rateLimit: { failuresPerClient: { limit: 3 } } })
    // @ts-expect-error: a store needs all five operations
    magicCodeRouter({ db, sendEmail: () => {}, store: { get: async () => undefined } })
    // @ts-expect-error: daily limits are numbers
    magicCodeRouter({ db, sendEmail: () => {}, dailyLimits: { sendsPerEmail: '20' } })
    // The key of a shared store: a string or bytes, or [current, ...previous]; never a number.
    magicCodeRouter({ db, sendEmail: () => {}, store, codeSecret: 'x'.repeat(44) })
    magicCodeRouter({ db, sendEmail: () => {}, store, codeSecret: new Uint8Array(32) })
    magicCodeRouter({ db, sendEmail: () => {}, store, codeSecret: ['a', new Uint8Array(32)] })
    signInRouter({ db, authenticate: () => null, store, codeSecret: ['a', 'b'] })
    // @ts-expect-error: a number is no key material
    magicCodeRouter({ db, sendEmail: () => {}, store, codeSecret: 12345 })
    // @ts-expect-error: a rotation list holds at least the current key
    magicCodeRouter({ db, sendEmail: () => {}, store, codeSecret: [] })
  })

  it('requireInstantUser provides a context; optionalInstantUser a context or null', () => {
    expectTypeOf<Provided<ReturnType<typeof requireInstantUser>>>().toEqualTypeOf<InstantContext>()
    expectTypeOf<
      Provided<ReturnType<typeof optionalInstantUser>>
    >().toEqualTypeOf<InstantContext | null>()
    expectTypeOf<InstantRequest['instant']>().toEqualTypeOf<InstantContext>()
    expectTypeOf<OptionalInstantRequest['instant']>().toEqualTypeOf<
      InstantContext | null | undefined
    >()
  })

  it('req.instant is optional on every Request: an unprotected route cannot use it unchecked', () => {
    const app = express()
    app.get('/open', (req, res) => {
      expectTypeOf(req.instant).toEqualTypeOf<InstantContext | null | undefined>()
      // @ts-expect-error: no middleware ran, so req.instant may be missing
      res.json(req.instant.user.id)
    })
  })

  it('instantHandler types req.instant as set after requireInstantUser', () => {
    const app = express()
    app.get(
      '/me',
      requireInstantUser({ db }),
      instantHandler((req, res) => {
        expectTypeOf(req.instant).toEqualTypeOf<InstantContext>()
        expectTypeOf(req.instant.user.id).toBeString()
        expectTypeOf(req.instant.token).toBeString()
        expectTypeOf(req.instant.user.refresh_token).toEqualTypeOf<undefined>()
        res.json(req.instant.user)
      }),
    )
    app.get(
      '/todos',
      requireInstantUser({ db }),
      instantHandler(async (req, res) => {
        res.json(await req.instant.db.query({ todos: {} }))
      }),
    )
    // @ts-expect-error: a handler annotated with InstantRequest is not a plain Express handler
    app.get('/me2', requireInstantUser({ db }), (req: InstantRequest, res) => res.json(req.instant))
    app.get('/feed', optionalInstantUser({ db }), (req: OptionalInstantRequest, res) => {
      // @ts-expect-error: may be null after optionalInstantUser
      res.json(req.instant.user)
      if (req.instant) res.json(req.instant.user)
    })
  })

  it('the middleware and routers mount on Express 5, Express 4 and Connect', () => {
    express().use(requireInstantUser({ db }), signInRouter({ db, authenticate: () => null }))
    express4().use(requireInstantUser({ db }), signInRouter({ db, authenticate: () => null }))
    connect().use(requireInstantUser({ db }))
    connect().use(magicCodeRouter({ db, sendEmail: () => {} }))
    connect().use(signOutRouter({ db }))
  })

  it('rejects mistakes', () => {
    // `app.use(requireInstantUser)` type-checks (Express's ErrorRequestHandler takes `err: any`),
    // so the factory catches it at run time instead (see require-user.test.ts).
    // @ts-expect-error: db is required
    requireInstantUser({})
    // @ts-expect-error: not an Instant client
    requireInstantUser({ db: {} })
    // @ts-expect-error: authenticate is required
    signInRouter({ db })
    // @ts-expect-error: scope is 'session' | 'all'
    signOutRouter({ db, scope: 'everything' })
    // @ts-expect-error: onError is 'respond' | 'next'
    requireInstantUser({ db, onError: 'throw' })
    // @ts-expect-error: no such code
    new KitError('nope')
  })

  it('authenticate gets the parsed body and returns an identity', () => {
    signInRouter({
      db,
      authenticate: (req) => {
        expectTypeOf(req.body).toEqualTypeOf<Record<string, unknown>>()
        return { email: 'a@b.co' }
      },
    })
    // @ts-expect-error: must return { email } | { id } | null
    signInRouter({ db, authenticate: () => ({ name: 'x' }) })
  })

  it('isKitError narrows to a KitError with a typed code', () => {
    const error: unknown = new KitError('rate_limited')
    if (isKitError(error)) expectTypeOf(error.code).toEqualTypeOf<KitErrorCode>()
    expectTypeOf<InstantUser['id']>().toBeString()
  })
})
