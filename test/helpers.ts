/** Test helpers: one app shape over Express 5, Express 4 and Connect, plus Local Instant. */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import connect from 'connect'
import { afterAll, beforeAll, expect } from 'vitest'
import express5 from 'express'
import express4 from 'express4'
import { init as sdkInit } from '@instantdb/admin'
import { init } from '../src/admin/index.js'
import { startLocalInstant, type LocalInstant } from '../src/local/index.js'
import type { InstantAuthDb } from '../src/instant/instant-db.js'

export type Framework = 'express5' | 'express4' | 'connect'
export const FRAMEWORKS: Framework[] = ['express5', 'express4', 'connect']

type Handler = (req: any, res: ServerResponse, next: (err?: unknown) => void) => unknown

export interface TestApp {
  readonly handler: RequestListener
  use(handler: Handler): void
  /** Mounts `handler` at a path prefix (`app.use(path, handler)`). */
  useAt(path: string, handler: Handler): void
  route(method: 'GET' | 'POST', path: string, ...handlers: Handler[]): void
  /** An error handler (4 args) at the end of the stack. */
  useErrorHandler(
    handler: (
      err: any,
      req: IncomingMessage,
      res: ServerResponse,
      next: (err?: unknown) => void,
    ) => void,
  ): void
}

/** Runs handlers in order like a route (for Connect, which has no routes). */
function chain(handlers: Handler[]): Handler {
  return function chained(req, res, next) {
    let i = 0
    const step = (err?: unknown): void => {
      if (err !== undefined) return next(err)
      const handler = handlers[i++]
      if (handler === undefined) return next()
      try {
        const result = handler(req, res, step)
        if (result instanceof Promise) result.catch(step)
      } catch (error) {
        step(error)
      }
    }
    step()
  }
}

export function createApp(framework: Framework): TestApp {
  if (framework === 'connect') {
    const app = connect()
    return {
      handler: app as unknown as RequestListener,
      use: (h) => void app.use(h as any),
      useAt: (path, h) => void app.use(path, h as any),
      route: (method, path, ...handlers) => {
        const routed = chain(handlers)
        app.use(path, ((
          req: IncomingMessage,
          res: ServerResponse,
          next: (err?: unknown) => void,
        ) => {
          if (req.method !== method || (req.url !== '/' && !req.url?.startsWith('/?')))
            return next()
          routed(req, res, next)
        }) as any)
      },
      useErrorHandler: (h) => void app.use(h as any),
    }
  }
  const app =
    framework === 'express5' ? express5() : (express4() as unknown as ReturnType<typeof express5>)
  return {
    handler: app as unknown as RequestListener,
    use: (h) => void app.use(h as any),
    useAt: (path, h) => void app.use(path, h as any),
    route: (method, path, ...handlers) => {
      if (method === 'GET') app.get(path, ...(handlers as any[]))
      else app.post(path, ...(handlers as any[]))
    },
    useErrorHandler: (h) => void app.use(h as any),
  }
}

/** Plain-Node JSON answer, so test handlers run on every framework. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(body))
}

export type DbKind = 'ours' | 'sdk'
export const DB_KINDS: DbKind[] = ['ours', 'sdk']

export function makeDb(
  kind: DbKind,
  local: { appId: string; adminToken: string; apiURI: string },
): InstantAuthDb {
  const config = { appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI }
  return (kind === 'ours' ? init(config) : sdkInit(config)) as unknown as InstantAuthDb
}

/** A refresh token for `email` (the user is created if missing), minted through the admin API. */
export async function userToken(
  local: { appId: string; adminToken: string; apiURI: string },
  email: string,
): Promise<string> {
  // Only the three settings: a LocalInstant has more keys, which init() refuses as unknown.
  const admin = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  try {
    return await admin.auth.createToken({ email })
  } finally {
    await admin.close()
  }
}

export async function startLocal(): Promise<LocalInstant> {
  return startLocalInstant({
    port: 0,
    dbPath: ':memory:',
    logger: false,
    magicCodeSendsPerHour: Infinity,
    magicCodeVerifiesPerHour: Infinity,
  })
}

/**
 * One Local Instant for the calling test file: started in `beforeAll`, closed in `afterAll`.
 * Also fails the file if anything ended in an unhandled rejection meanwhile (a kit path that
 * forgot to answer). Returns a getter, since the instance exists only once `beforeAll` ran.
 */
export function useLocalInstant(): () => LocalInstant {
  let local: LocalInstant | undefined
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  beforeAll(async () => {
    local = await startLocal()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await local?.close()
    expect(unhandled).toEqual([])
  })
  return () => {
    if (local === undefined) throw new Error('useLocalInstant(): Local Instant is not started yet')
    return local
  }
}

/** A logger that records lines (to assert on them and on what they never contain). */
export function recordingLogger() {
  const lines: string[] = []
  return {
    lines,
    warn: (message: string) => void lines.push(`warn: ${message}`),
    error: (message: string) => void lines.push(`error: ${message}`),
  }
}

/** Listens on 127.0.0.1:0 and resolves once listening. */
/**
 * An origin that refuses connections: port 2 on loopback, where nothing listens, which
 * `listen(0)` never hands out, and which fetch does not block (it blocks port 1). A port freed by
 * closing a server is no good: the next server of any test running alongside may get it, and then
 * it answers instead of refusing.
 */
export const REFUSED_URI = 'http://127.0.0.1:2'

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections?.()
  return new Promise((resolve) => server.close(() => resolve()))
}

export { createServer }

/** The one answer every refused sign-in gets. */
export const GENERIC_401 = {
  type: 'urn:instant-express-auth:error:invalid_credentials',
  title: 'Invalid credentials',
  status: 401,
  detail: 'Sign-in failed.',
  code: 'invalid_credentials',
}

/** The headers every kit response carries: no-store and helmet's. */
export function expectKitHeaders(res: { headers: Record<string, string | undefined> }): void {
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
  expect(res.headers['content-security-policy']).toContain("default-src 'self'")
}
