/**
 * Every numeric option of every factory, with what its error says it must be. The lists are
 * typed against the factories' options interfaces (see numbers.test-d.ts), so a numeric option
 * added to an interface without a row here fails the type check, and a row here runs bad values
 * through the factory in numbers.test.ts, asserting the exact message.
 */
import { init, type InitConfig } from '../../src/admin/index.js'
import {
  consoleEmail,
  defineEmailProvider,
  magicCodeMessageBuilder,
  magicCodeSender,
  memoryEmail,
  postmarkEmail,
  resendEmail,
  sendgridEmail,
  smtpEmail,
  type ConsoleEmailOptions,
  type EmailProviderOptions,
  type MagicCodeMessageOptions,
  type MemoryEmailOptions,
  type PostmarkEmailOptions,
  type ResendEmailOptions,
  type SendgridEmailOptions,
  type SmtpEmailOptions,
} from '../../src/email/index.js'
import {
  checkInstant,
  magicCodeRouter,
  memoryStore,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type CheckInstantOptions,
  type InstantUserOptions,
  type MagicCodeRouterOptions,
  type MemoryStoreOptions,
  type SignInRouterOptions,
  type SignOutRouterOptions,
} from '../../src/index.js'
import { jwtAuthenticator, type JwtAuthenticatorOptions } from '../../src/sign-in/index.js'
import { startLocalInstant, type LocalInstantOptions } from '../../src/local/index.js'
import { redisStore, type RedisStoreOptions } from '../../src/redis/index.js'

type AllKeys<T> = T extends unknown ? keyof T : never
type ValueAt<T, K extends PropertyKey> = T extends unknown
  ? K extends keyof T
    ? T[K]
    : never
  : never
/** The keys of `T` (of any member of a union) whose values may be a number. */
type NumericKeys<T> = {
  [K in AllKeys<T>]: unknown extends ValueAt<T, K>
    ? never
    : number extends NonNullable<ValueAt<T, K>>
      ? K
      : never
}[AllKeys<T>]
/**
 * The paths of the numeric options of `T`: its own numeric keys, and those of the option objects
 * `Nested` names (the nested key lists that `checkOptionKeys` checks: `cache`, `cookie`...).
 */
export type NumericPaths<T, Nested extends AllKeys<T> = never> =
  | (NumericKeys<T> & string)
  | (Nested extends string
      ? `${Nested}.${NumericKeys<Extract<NonNullable<ValueAt<T, Nested>>, object>> & string}`
      : never)

/** One numeric option: what its message says it must be (with the default), and its bad values. */
export interface NumericCase {
  expected: string
  bad: ReadonlyArray<readonly [value: unknown, shown: string]>
}

/** A factory: how to call it with some options, and its numeric options. */
export interface NumericFactory<Paths extends string = string> {
  call(options: Record<string, unknown>): unknown
  cases: Record<Paths, NumericCase>
}

const APP_ID = '00000000-0000-4000-8000-000000000001'
/** Never contacted: every case fails validation before a request is made. */
export const db = init({ appId: APP_ID, adminToken: 'admin-token', apiURI: 'http://127.0.0.1:1' })
const MAX_TIMEOUT = 2_147_483_647

/**
 * Bad values for a rule: the usual suspects, plus 0 (unless allowed), a float (for whole
 * numbers), one past the max and one below a min above 0. A string that looks like a secret is
 * shown only by its type.
 */
function bad(rule: {
  integer?: boolean
  min?: number
  max?: number
  infinity?: boolean
}): NumericCase['bad'] {
  const values: Array<readonly [unknown, string]> = [
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [-Infinity, '-Infinity'],
    ['sk_live_5ecret', 'a string'],
    [true, 'true'],
    [null, 'null'],
    [{}, 'an object'],
    [[1], 'an array'],
    [10n, 'a bigint'],
  ]
  if (rule.min === undefined) values.push([0, '0'])
  else if (rule.min > 0) values.push([rule.min - 0.5, String(rule.min - 0.5)])
  if (rule.infinity !== true) values.push([Infinity, 'Infinity'])
  if (rule.integer === true) values.push([1.5, '1.5'])
  if (rule.integer === true && rule.max === undefined) {
    values.push([Number.MAX_SAFE_INTEGER + 1, String(Number.MAX_SAFE_INTEGER + 1)])
  }
  if (rule.max !== undefined) values.push([rule.max + 1, String(rule.max + 1)])
  return values
}

const timeout = (fallback: number): NumericCase => ({
  expected: `a positive number of milliseconds up to ${MAX_TIMEOUT} (default ${fallback})`,
  bad: bad({ max: MAX_TIMEOUT }),
})
const wholeTimeout = (fallback: number): NumericCase => ({
  expected: `a positive whole number of milliseconds up to ${MAX_TIMEOUT} (default ${fallback})`,
  bad: bad({ integer: true, max: MAX_TIMEOUT }),
})
const count = (fallback: number): NumericCase => ({
  expected: `a positive integer (default ${fallback})`,
  bad: bad({ integer: true }),
})
const expiryMinutes: NumericCase = {
  expected: 'a positive number of minutes (default 10)',
  bad: bad({}),
}
/** Every provider's `magicCode` option, and the transport providers' `timeoutMs`. */
const magicCodeCases = { 'magicCode.expiryMinutes': expiryMinutes }
const emailCases = { timeoutMs: wholeTimeout(10_000), ...magicCodeCases }
const cache = {
  'cache.ttlMs': timeout(30_000),
  'cache.negativeTtlMs': {
    expected: `a number of milliseconds from 0 to ${MAX_TIMEOUT} (default 5000)`,
    bad: bad({ min: 0, max: MAX_TIMEOUT }),
  },
  'cache.max': count(10_000),
  'cache.negativeMax': count(1_000),
}
const cookieMaxAge = {
  'cookie.maxAgeMs': {
    expected: 'a whole number of milliseconds from 1000 to 34560000000 (default 604800000)',
    bad: bad({ integer: true, min: 1_000, max: 34_560_000_000 }),
  },
}
const instantTimeoutMs = timeout(10_000)
const bodyLimit: NumericCase = {
  expected: 'a positive whole number of bytes (default 16384)',
  bad: bad({ integer: true }),
}
/** Local Instant's limits and budgets: counts, with Infinity for none. */
const limit = (fallback: number, unit = 'integer'): NumericCase => ({
  expected: `a positive ${unit}, or Infinity for no limit (default ${fallback})`,
  bad: bad({ integer: true, infinity: true }),
})
const byteLimit = (fallback: number) => limit(fallback, 'whole number of bytes')

/** `{ cookie: { maxAgeMs: 1 } }` from `'cookie.maxAgeMs'`, over the factory's base options. */
export function optionsWith(
  base: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const [head, tail] = path.split('.') as [string, string | undefined]
  if (tail === undefined) return { ...base, [head]: value }
  const nested = (base[head] ?? {}) as Record<string, unknown>
  return { ...base, [head]: { ...nested, [tail]: value } }
}

/** Calls `factory` with `base` under `options` (nested option objects merged one level). */
const callWith =
  <T>(base: Record<string, unknown>, factory: (options: T) => unknown) =>
  (options: Record<string, unknown>): unknown => {
    const merged: Record<string, unknown> = { ...base }
    for (const [key, value] of Object.entries(options)) {
      const under = base[key]
      merged[key] = isPlain(under) && isPlain(value) ? { ...under, ...value } : value
    }
    return factory(merged as T)
  }

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const fakeIoredis = { call: () => undefined, duplicate: () => undefined, status: 'ready' }
const fakeTransporter = { sendMail: async () => ({}) }
const cookieBase = { cookie: { name: 'sid' } }

export const FACTORIES = {
  requireInstantUser: {
    call: callWith({ db, ...cookieBase }, requireInstantUser),
    cases: { instantTimeoutMs, ...cache, ...cookieMaxAge },
  } satisfies NumericFactory<NumericPaths<InstantUserOptions, 'cache' | 'cookie'>>,
  optionalInstantUser: {
    call: callWith({ db, ...cookieBase }, optionalInstantUser),
    cases: { instantTimeoutMs, ...cache, ...cookieMaxAge },
  } satisfies NumericFactory<NumericPaths<InstantUserOptions, 'cache' | 'cookie'>>,
  signInRouter: {
    call: callWith({ db, authenticate: () => null, ...cookieBase }, signInRouter),
    cases: { instantTimeoutMs, bodyLimit, ...cookieMaxAge },
  } satisfies NumericFactory<NumericPaths<SignInRouterOptions, 'cookie'>>,
  magicCodeRouter: {
    call: callWith({ db, sendEmail: () => undefined, ...cookieBase }, magicCodeRouter),
    cases: {
      instantTimeoutMs,
      sendEmailTimeoutMs: timeout(15_000),
      bodyLimit,
      codeTtlMs: {
        expected: 'a positive whole number of milliseconds up to 86400000 (default 600000)',
        bad: bad({ integer: true, max: 86_400_000 }),
      },
      codeAttempts: count(5),
      'dailyLimits.sendsPerEmail': count(20),
      'dailyLimits.attemptsPerEmail': count(50),
      'dailyLimits.attemptsPerClient': count(20),
      ...cookieMaxAge,
    },
  } satisfies NumericFactory<NumericPaths<MagicCodeRouterOptions, 'cookie' | 'dailyLimits'>>,
  signOutRouter: {
    call: callWith({ db, ...cookieBase }, signOutRouter),
    cases: { instantTimeoutMs, ...cache, ...cookieMaxAge },
  } satisfies NumericFactory<NumericPaths<SignOutRouterOptions, 'cache' | 'cookie'>>,
  checkInstant: {
    call: (options) => checkInstant(db, options as CheckInstantOptions),
    cases: { timeoutMs: timeout(10_000) },
  } satisfies NumericFactory<NumericPaths<CheckInstantOptions>>,
  memoryStore: {
    call: callWith({}, memoryStore),
    cases: { maxKeys: count(100_000) },
  } satisfies NumericFactory<NumericPaths<MemoryStoreOptions>>,
  redisStore: {
    call: callWith({ client: fakeIoredis }, redisStore),
    cases: { commandTimeoutMs: timeout(500) },
  } satisfies NumericFactory<NumericPaths<RedisStoreOptions>>,
  'instant-express-auth/admin init': {
    call: callWith({ appId: APP_ID }, (config: InitConfig) => init(config)),
    cases: {
      connectTimeoutMs: timeout(5_000),
      headersTimeoutMs: timeout(10_000),
      bodyTimeoutMs: timeout(10_000),
      maxResponseBytes: {
        expected: 'a positive whole number of bytes (default 67108864)',
        bad: bad({ integer: true }),
      },
    },
  } satisfies NumericFactory<NumericPaths<InitConfig>>,
  jwtAuthenticator: {
    call: callWith(
      { jwksUri: 'https://issuer.example/jwks', algorithms: ['RS256'], issuer: 'i', audience: 'a' },
      jwtAuthenticator,
    ),
    cases: {
      clockToleranceSec: {
        expected: 'a non-negative number of seconds (default 5)',
        bad: bad({ min: 0 }),
      },
      jwksTimeoutMs: wholeTimeout(5_000),
      jwksCacheMaxAgeMs: {
        expected: 'a number of milliseconds of at least 1000 (default 600000)',
        bad: bad({ min: 1_000 }),
      },
    },
  } satisfies NumericFactory<NumericPaths<JwtAuthenticatorOptions>>,
  smtpEmail: {
    call: callWith({ from: 'a@example.com', transport: fakeTransporter }, smtpEmail),
    cases: emailCases,
  } satisfies NumericFactory<NumericPaths<SmtpEmailOptions, 'magicCode'>>,
  resendEmail: {
    call: callWith({ apiKey: 'k', from: 'a@example.com' }, resendEmail),
    cases: emailCases,
  } satisfies NumericFactory<NumericPaths<ResendEmailOptions, 'magicCode'>>,
  postmarkEmail: {
    call: callWith({ serverToken: 'k', from: 'a@example.com' }, postmarkEmail),
    cases: emailCases,
  } satisfies NumericFactory<NumericPaths<PostmarkEmailOptions, 'magicCode'>>,
  sendgridEmail: {
    call: callWith({ apiKey: 'k', from: 'a@example.com' }, sendgridEmail),
    cases: emailCases,
  } satisfies NumericFactory<NumericPaths<SendgridEmailOptions, 'magicCode'>>,
  consoleEmail: {
    call: callWith({ logger: { info: () => undefined, warn: () => undefined } }, consoleEmail),
    cases: magicCodeCases,
  } satisfies NumericFactory<NumericPaths<ConsoleEmailOptions, 'magicCode'>>,
  memoryEmail: {
    call: callWith({}, memoryEmail),
    cases: magicCodeCases,
  } satisfies NumericFactory<NumericPaths<MemoryEmailOptions, 'magicCode'>>,
  defineEmailProvider: {
    call: (options) => defineEmailProvider(async () => undefined, options as EmailProviderOptions),
    cases: magicCodeCases,
  } satisfies NumericFactory<NumericPaths<EmailProviderOptions, 'magicCode'>>,
  magicCodeSender: {
    call: (options) => magicCodeSender(async () => undefined, options as MagicCodeMessageOptions),
    cases: { expiryMinutes },
  } satisfies NumericFactory<NumericPaths<MagicCodeMessageOptions>>,
  magicCodeMessageBuilder: {
    call: (options) => magicCodeMessageBuilder(options as MagicCodeMessageOptions),
    cases: { expiryMinutes },
  } satisfies NumericFactory<NumericPaths<MagicCodeMessageOptions>>,
  startLocalInstant: {
    call: callWith({ logger: false }, startLocalInstant),
    cases: {
      port: {
        expected: 'an integer from 0 to 65535 (default 0)',
        bad: bad({ integer: true, min: 0, max: 65_535 }),
      },
      magicCodeExpiryMinutes: expiryMinutes,
      magicCodeAttempts: limit(5),
      magicCodeSendsPerHour: limit(20),
      magicCodeVerifiesPerHour: limit(20),
      magicCodeVerifiesPerDay: limit(50),
      guestSignInsPerHour: limit(300),
      rateLimitMaxKeys: limit(100_000),
      maxBodyBytes: byteLimit(4_194_304),
      maxQueryBytes: byteLimit(262_144),
      maxQueryForms: limit(1_000),
      maxResultRows: limit(100_000),
      maxResultBytes: byteLimit(33_554_432),
      queryTimeoutMs: timeout(3_000),
      maxSessionBufferBytes: byteLimit(4_194_304),
      maxSessionsPerIp: limit(1_000),
      maxSessionsPerUser: limit(100),
      maxLiveQueries: limit(1_000),
      maxLiveResultBytes: byteLimit(67_108_864),
    },
  } satisfies NumericFactory<NumericPaths<LocalInstantOptions>>,
}
