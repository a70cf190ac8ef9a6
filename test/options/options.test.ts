/**
 * Unknown option keys throw in every factory, with one message style: the factory, the unknown
 * key (with its path when nested) and the closest known key.
 */
import { describe, expect, it } from 'vitest'
import { checkOptionKeys, closestKey } from '../../src/options/keys.js'
import { init } from '../../src/admin/index.js'
import {
  jwtAuthenticator,
  magicCodeRouter,
  checkInstant,
  instantErrorHandler,
  memoryStore,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../../src/index.js'
import {
  consoleEmail,
  defineEmailProvider,
  failover,
  magicCodeSender,
  memoryEmail,
  postmarkEmail,
  resendEmail,
  sendgridEmail,
  smtpEmail,
} from '../../src/email/index.js'
import { startLocalInstant } from '../../src/local/index.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const db = init({ appId: APP_ID, adminToken: 'admin-token' })
const authenticate = () => null
const sendEmail = async () => {}
const send = async () => {}
const SECRET = 'a-shared-secret-of-at-least-32-bytes!'

/** The message of the TypeError `call` throws. */
function typeErrorOf(call: () => unknown): string {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as TypeError).message
  }
  throw new Error('did not throw')
}

describe('checkOptionKeys', () => {
  it('accepts known keys, nested or not, and leaves non-objects to the factory', () => {
    const known = { path: true, rateLimit: { perIp: true } } as const
    expect(() =>
      checkOptionKeys({ path: '/x', rateLimit: { perIp: false } }, known, 'f'),
    ).not.toThrow()
    expect(() => checkOptionKeys({ rateLimit: false }, known, 'f')).not.toThrow()
    expect(() => checkOptionKeys(undefined, known, 'f')).not.toThrow()
    expect(() => checkOptionKeys('x', known, 'f')).not.toThrow()
  })

  it('names the factory, the unknown key and the closest known key', () => {
    expect(typeErrorOf(() => checkOptionKeys({ pth: '/' }, { path: true, scope: true }, 'f'))).toBe(
      'f(): unknown option `pth` (did you mean `path`?).',
    )
  })

  it('gives the path of a nested key', () => {
    const known = { rateLimit: { sendsPerEmail: true, sendsPerIp: true } } as const
    expect(
      typeErrorOf(() => checkOptionKeys({ rateLimit: { sendPerEmail: {} } }, known, 'f')),
    ).toBe(
      'f(): unknown option `rateLimit.sendPerEmail` (did you mean `rateLimit.sendsPerEmail`?).',
    )
  })

  it('does not look inside class instances (a Dispatcher, a KeyObject)', () => {
    class Value {
      anything = 1
    }
    expect(() => checkOptionKeys({ a: new Value() }, { a: { b: true } }, 'f')).not.toThrow()
  })

  it('treats inherited names as unknown (no prototype lookups)', () => {
    expect(typeErrorOf(() => checkOptionKeys({ toString: 1 }, { path: true }, 'f'))).toBe(
      'f(): unknown option `toString` (did you mean `path`?).',
    )
  })

  it('picks the closest key by edit distance, ignoring case', () => {
    const known = ['allowSignUp', 'authenticate', 'path', 'bodyLimit']
    expect(closestKey('allowSignup', known)).toBe('allowSignUp')
    expect(closestKey('autenticate', known)).toBe('authenticate')
    expect(closestKey('bodylimit', known)).toBe('bodyLimit')
    expect(closestKey('x', [])).toBeUndefined()
  })
})

describe('every factory throws on a misspelt option', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'signInRouter',
      () => signInRouter({ db, authenticate, allowSignup: false } as never),
      'signInRouter(): unknown option `allowSignup` (did you mean `allowSignUp`?).',
    ],
    [
      'signInRouter rateLimit',
      () => signInRouter({ db, authenticate, rateLimit: { failurePerIp: false } } as never),
      'signInRouter(): unknown option `rateLimit.failurePerIp` (did you mean `rateLimit.failuresPerIp`?).',
    ],
    [
      'magicCodeRouter rateLimit',
      () => magicCodeRouter({ db, sendEmail, rateLimit: { sendPerEmail: { limit: 1 } } } as never),
      'magicCodeRouter(): unknown option `rateLimit.sendPerEmail` (did you mean `rateLimit.sendsPerEmail`?).',
    ],
    [
      'magicCodeRouter',
      () => magicCodeRouter({ db, sendEmail, verifyPth: '/v' } as never),
      'magicCodeRouter(): unknown option `verifyPth` (did you mean `verifyPath`?).',
    ],
    [
      'signOutRouter',
      () => signOutRouter({ db, scopes: 'all' } as never),
      'signOutRouter(): unknown option `scopes` (did you mean `scope`?).',
    ],
    [
      'requireInstantUser',
      () => requireInstantUser({ db, allowGuest: true } as never),
      'requireInstantUser(): unknown option `allowGuest` (did you mean `allowGuests`?).',
    ],
    [
      'optionalInstantUser cache',
      () => optionalInstantUser({ db, cache: { ttl: 5 } } as never),
      'optionalInstantUser(): unknown option `cache.ttl` (did you mean `cache.ttlMs`?).',
    ],
    [
      'signOutRouter cache',
      () => signOutRouter({ db, cache: { ttlMS: 5 } } as never),
      'signOutRouter(): unknown option `cache.ttlMS` (did you mean `cache.ttlMs`?).',
    ],
    [
      'a common option',
      () => requireInstantUser({ db, instantTimeout: 5 } as never),
      'requireInstantUser(): unknown option `instantTimeout` (did you mean `instantTimeoutMs`?).',
    ],
    [
      'jwtAuthenticator',
      () =>
        jwtAuthenticator({
          issuer: 'https://id.example.com/',
          audience: 'app',
          secret: SECRET,
          algorithms: ['HS256'],
          requireEmailVerifed: false,
        } as never),
      'jwtAuthenticator(): unknown option `requireEmailVerifed` (did you mean `requireEmailVerified`?).',
    ],
    [
      'init',
      () => init({ appId: APP_ID, apiUri: 'http://127.0.0.1:1' } as never),
      'init(): unknown option `apiUri` (did you mean `apiURI`?).',
    ],
    [
      'resendEmail',
      () => resendEmail({ apiKey: 're_x', from: 'a@b.co', timeout: 5 } as never),
      'resendEmail(): unknown option `timeout` (did you mean `timeoutMs`?).',
    ],
    [
      'postmarkEmail',
      () => postmarkEmail({ serverToken: 't', from: 'a@b.co', messageStrem: 'x' } as never),
      'postmarkEmail(): unknown option `messageStrem` (did you mean `messageStream`?).',
    ],
    [
      'sendgridEmail',
      () => sendgridEmail({ apiKey: 'SG.x', from: 'a@b.co', baseURL: 'x' } as never),
      'sendgridEmail(): unknown option `baseURL` (did you mean `baseUrl`?).',
    ],
    [
      'smtpEmail',
      () => smtpEmail({ transport: 'smtp://127.0.0.1:1', from: 'a@b.co', form: 'x' } as never),
      'smtpEmail(): unknown option `form` (did you mean `from`?).',
    ],
    [
      'consoleEmail magicCode',
      () => consoleEmail({ magicCode: { appname: 'Acme' } } as never),
      'consoleEmail(): unknown option `magicCode.appname` (did you mean `magicCode.appName`?).',
    ],
    [
      'memoryEmail',
      () => memoryEmail({ magicCodes: {} } as never),
      'memoryEmail(): unknown option `magicCodes` (did you mean `magicCode`?).',
    ],
    [
      'defineEmailProvider',
      () => defineEmailProvider(send, { magic: {} } as never),
      'defineEmailProvider(): unknown option `magic` (did you mean `magicCode`?).',
    ],
    [
      'magicCodeSender',
      () => magicCodeSender(send, { expiryMinute: 5 } as never),
      'magicCodeSender(): unknown option `expiryMinute` (did you mean `expiryMinutes`?).',
    ],
    [
      'failover',
      () => failover([memoryEmail()], { onFailure: () => {} } as never),
      'failover(): unknown option `onFailure` (did you mean `onFailover`?).',
    ],
    [
      'memoryStore',
      () => memoryStore({ maxKey: 10 } as never),
      'memoryStore(): unknown option `maxKey` (did you mean `maxKeys`?).',
    ],
    [
      'instantErrorHandler',
      () => instantErrorHandler({ loger: console } as never),
      'instantErrorHandler(): unknown option `loger` (did you mean `logger`?).',
    ],
  ]

  it.each(cases)('%s', (_name, call, message) => {
    expect(typeErrorOf(call)).toBe(message)
  })

  it('checkInstant', async () => {
    await expect(checkInstant(db, { timeout: 5 } as never)).rejects.toThrow(
      new TypeError('checkInstant(): unknown option `timeout` (did you mean `timeoutMs`?).'),
    )
  })

  it('startLocalInstant', async () => {
    await expect(startLocalInstant({ dbpath: ':memory:' } as never)).rejects.toThrow(
      new TypeError('startLocalInstant(): unknown option `dbpath` (did you mean `dbPath`?).'),
    )
  })

  it('still accepts every documented option', () => {
    expect(() =>
      signInRouter({
        db,
        authenticate,
        path: '/login',
        allowSignUp: false,
        bodyLimit: 1024,
        rateLimit: { failuresPerIp: false, failuresPerEmail: { limit: 3 } },
        onError: 'next',
        helmet: false,
        instantTimeoutMs: 1_000,
        logger: console,
        onEvent: () => {},
      }),
    ).not.toThrow()
    expect(() =>
      requireInstantUser({ db, allowGuests: true, cookie: 't', cache: { ttlMs: 1, max: 2 } }),
    ).not.toThrow()
  })
})
