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
      'instant-express-auth/admin init(): unknown option `apiUri` (did you mean `apiURI`?).',
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

describe('every option error has one shape: factory(): `option` must …; got ….', () => {
  const jwt = {
    issuer: 'https://id.example.com/',
    audience: 'app',
    algorithms: ['HS256'] as ['HS256'],
  }
  const cases: Array<[string, string, () => unknown]> = [
    ['requireInstantUser', 'options', () => requireInstantUser(undefined as never)],
    ['requireInstantUser', 'db', () => requireInstantUser({ db: {} } as never)],
    [
      'requireInstantUser',
      'allowGuests',
      () => requireInstantUser({ db, allowGuests: 1 } as never),
    ],
    ['optionalInstantUser', 'cache', () => optionalInstantUser({ db, cache: 1 } as never)],
    ['requireInstantUser', 'onError', () => requireInstantUser({ db, onError: 'x' } as never)],
    ['requireInstantUser', 'helmet', () => requireInstantUser({ db, helmet: 1 } as never)],
    ['requireInstantUser', 'logger', () => requireInstantUser({ db, logger: {} } as never)],
    ['requireInstantUser', 'onEvent', () => requireInstantUser({ db, onEvent: 1 } as never)],
    ['requireInstantUser', 'store', () => requireInstantUser({ db, store: {} } as never)],
    ['signInRouter', 'authenticate', () => signInRouter({ db } as never)],
    ['signInRouter', 'path', () => signInRouter({ db, authenticate, path: 'x' })],
    [
      'signInRouter',
      'allowSignUp',
      () => signInRouter({ db, authenticate, allowSignUp: 1 } as never),
    ],
    ['signInRouter', 'rateLimit', () => signInRouter({ db, authenticate, rateLimit: 1 } as never)],
    [
      'signInRouter',
      'rateLimit.failuresPerIp',
      () => signInRouter({ db, authenticate, rateLimit: { failuresPerIp: 1 } } as never),
    ],
    ['magicCodeRouter', 'sendEmail', () => magicCodeRouter({ db } as never)],
    [
      'magicCodeRouter',
      'verifyPath',
      () => magicCodeRouter({ db, sendEmail, path: '/a', verifyPath: '/a' }),
    ],
    [
      'magicCodeRouter',
      'dailyLimits',
      () => magicCodeRouter({ db, sendEmail, dailyLimits: 1 } as never),
    ],
    ['signOutRouter', 'scope', () => signOutRouter({ db, scope: 'everything' } as never)],
    ['instantErrorHandler', 'logger', () => instantErrorHandler({ logger: 1 } as never)],
    ['memoryStore', 'options', () => memoryStore(null as never)],
    ['jwtAuthenticator', 'secret', () => jwtAuthenticator({ ...jwt, secret: 'short' })],
    [
      'jwtAuthenticator',
      'tokenField',
      () => jwtAuthenticator({ ...jwt, secret: SECRET, tokenField: '' }),
    ],
    ['instant-express-auth/admin init', 'appId', () => init({ appId: 'x' })],
    ['resendEmail', 'apiKey', () => resendEmail({ from: 'a@b.co' } as never)],
    ['smtpEmail', 'transport', () => smtpEmail({ from: 'a@b.co' } as never)],
    ['consoleEmail', 'logger', () => consoleEmail({ logger: {} } as never)],
    ['failover', 'providers', () => failover([])],
    ['defineEmailProvider', 'send', () => defineEmailProvider(1 as never)],
    ['magicCodeSender', 'provider', () => magicCodeSender(1 as never)],
  ]

  it.each(cases)('%s: `%s`', (factory, option, call) => {
    const message = typeErrorOf(call)
    const escaped = factory.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    expect(message).toMatch(
      new RegExp(`^${escaped}\\(\\): \`${option.replace('.', '\\.')}\` must .+; got .+\\.$`),
    )
  })

  it('never shows a string it was given (a pasted secret), only that it was a string', () => {
    const secret = 'sk_live_0123456789abcdef'
    expect(typeErrorOf(() => requireInstantUser({ db, allowGuests: secret } as never))).toBe(
      'requireInstantUser(): `allowGuests` must be a boolean (default false); got a string.',
    )
    expect(typeErrorOf(() => resendEmail({ apiKey: ['k'], from: secret } as never))).toBe(
      'resendEmail(): `apiKey` must be a non-empty string; got an array.',
    )
    expect(typeErrorOf(() => signOutRouter({ db, scope: secret } as never))).not.toContain(secret)
  })
})
