/**
 * The one JSON-over-HTTPS request the Resend, Postmark and SendGrid providers make, and how its
 * outcome becomes an {@link EmailProviderError}. Each provider only says where and what to send.
 */
import { request, type Dispatcher } from 'undici'
import { EmailProviderError, redact, type EmailErrorCode } from './errors.js'
import { EMAIL_PROVIDER_OPTIONS, type EmailProviderOptions } from './provider.js'
import { isLoopbackHost } from '../options/loopback.js'
import { optionError } from '../options/option-error.js'
import { resolveTimeoutMs } from '../options/numbers.js'
import type { OptionKeys } from '../options/keys.js'

/** How long an HTTP provider may take, in milliseconds, unless `timeoutMs` says otherwise. */
export const DEFAULT_EMAIL_TIMEOUT_MS = 10_000

/** Options every HTTP provider (Resend, Postmark, SendGrid) shares. */
export interface HttpEmailProviderOptions extends EmailProviderOptions {
  /**
   * The API's base URL, e.g. an EU endpoint or a test server. Default: the provider's public API.
   * Must be `https:`, except for loopback hosts.
   */
  baseUrl?: string | URL
  /** The undici dispatcher to send with (a proxy, a `MockAgent`). Default: undici's global one. */
  dispatcher?: Dispatcher
  /** How long the whole request may take, in ms. Default `10_000`. */
  timeoutMs?: number
}

/** The keys of {@link HttpEmailProviderOptions}; each HTTP provider's list spreads it. */
export const HTTP_EMAIL_PROVIDER_OPTIONS = {
  ...EMAIL_PROVIDER_OPTIONS,
  baseUrl: true,
  dispatcher: true,
  timeoutMs: true,
} as const satisfies OptionKeys<HttpEmailProviderOptions>

/** What one HTTP provider sends where; built once by {@link httpEmailClient}. */
interface HttpEmailClientConfig {
  /** The provider's id, e.g. `'resend'`, used as `EmailProviderError.provider`. */
  provider: string
  /** The provider's display name, used in error messages. */
  label: string
  defaultBaseUrl: string
  /** The path to POST to, relative to the base URL. */
  path: string
  /** The request headers that carry the API key. */
  authHeaders: Record<string, string>
  /** The API key, redacted from anything the provider sends back. */
  apiKey: string
}

/** Sends one JSON body; rejects with an `EmailProviderError`. `code` is redacted from errors. */
type HttpEmailPost = (body: unknown, code: string | undefined) => Promise<void>

/** Validates the shared HTTP options once and returns the function that posts a message. */
export function httpEmailClient(
  options: HttpEmailProviderOptions,
  config: HttpEmailClientConfig,
): HttpEmailPost {
  const { provider, label, authHeaders, apiKey } = config
  const name = `${provider}Email`
  const url = endpoint(options.baseUrl ?? config.defaultBaseUrl, config.path, name)
  const timeoutMs = resolveTimeoutMs(options.timeoutMs, {
    factory: name,
    option: 'timeoutMs',
    default: DEFAULT_EMAIL_TIMEOUT_MS,
    integer: true,
  })
  const { dispatcher } = options
  if (dispatcher !== undefined && typeof dispatcher?.dispatch !== 'function') {
    throw optionError(
      name,
      'dispatcher',
      'be an undici Dispatcher (Agent, Pool, MockAgent)',
      dispatcher,
    )
  }
  const headers = {
    ...authHeaders,
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': 'instant-express-auth',
  }

  return async function postEmail(body, code) {
    const secrets = [apiKey, code]
    let response: Dispatcher.ResponseData
    try {
      response = await request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        ...(dispatcher === undefined ? {} : { dispatcher }),
      })
    } catch (err) {
      throw transportError(err, provider, label, timeoutMs)
    }
    const status = response.statusCode
    if (status >= 200 && status < 300) {
      await response.body.dump()
      return
    }
    let text = ''
    try {
      text = await response.body.text()
    } catch {
      // The status already says what happened; a body we cannot read adds nothing.
    }
    const detail = describeBody(text)
    const errorCode = statusCode(status)
    throw new EmailProviderError(
      errorCode,
      `${label} ${STATUS_VERBS[errorCode]} (HTTP ${status})${detail ? `: ${redact(detail, secrets)}` : ''}`,
      {
        provider,
        status,
        ...(detail ? { detail: redact(detail, secrets) } : {}),
        ...retryAfter(response.headers['retry-after']),
      },
    )
  }
}

const STATUS_VERBS: Record<EmailErrorCode, string> = {
  EMAIL_REJECTED: 'rejected the message',
  EMAIL_RATE_LIMITED: 'rate-limited the request',
  EMAIL_UNAUTHORIZED: 'refused the API key',
  EMAIL_UNAVAILABLE: 'failed to send the message',
  EMAIL_TIMEOUT: 'timed out',
}

function statusCode(status: number): EmailErrorCode {
  if (status === 401 || status === 403) return 'EMAIL_UNAUTHORIZED'
  if (status === 429) return 'EMAIL_RATE_LIMITED'
  if (status === 408) return 'EMAIL_TIMEOUT'
  if (status >= 400 && status < 500) return 'EMAIL_REJECTED'
  return 'EMAIL_UNAVAILABLE'
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

function transportError(
  err: unknown,
  provider: string,
  label: string,
  timeoutMs: number,
): EmailProviderError {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown }
  if (name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new EmailProviderError(
      'EMAIL_TIMEOUT',
      `${label} did not answer within ${timeoutMs} ms`,
      {
        provider,
        cause: err,
      },
    )
  }
  return new EmailProviderError('EMAIL_UNAVAILABLE', `${label} could not be reached`, {
    provider,
    cause: err,
  })
}

/** The providers' own explanation: Resend/SendGrid `message`, Postmark `Message`, SendGrid `errors[]`. */
function describeBody(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    if (typeof json.message === 'string') return json.message
    if (typeof json.Message === 'string') return json.Message
    if (Array.isArray(json.errors)) {
      const messages = json.errors
        .map((e: unknown) => (e as { message?: unknown } | null)?.message)
        .filter((m): m is string => typeof m === 'string')
      if (messages.length > 0) return messages.join('; ')
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the text itself.
  }
  const trimmed = text.trim()
  return trimmed === '' ? undefined : trimmed
}

function retryAfter(header: string | string[] | undefined): { retryAfterSeconds?: number } {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined) return {}
  if (/^\d+$/.test(value.trim())) return { retryAfterSeconds: Number(value.trim()) }
  const date = Date.parse(value)
  if (Number.isNaN(date)) return {}
  return { retryAfterSeconds: Math.max(0, Math.ceil((date - Date.now()) / 1000)) }
}

/** Joins the base URL and the API path; refuses plain HTTP to anything but loopback. */
function endpoint(baseUrl: string | URL, path: string, name: string): URL {
  let base: URL
  try {
    base = new URL(String(baseUrl))
  } catch {
    throw optionError(name, 'baseUrl', 'be an absolute URL like https://api.example.com', baseUrl)
  }
  const loopback = isLoopbackHost(base.hostname)
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && loopback)) {
    throw optionError(
      name,
      'baseUrl',
      'use https: (plain http: is only allowed to localhost)',
      baseUrl,
      base.protocol,
    )
  }
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`
  return new URL(`${prefix}${path.replace(/^\//, '')}`, base.origin)
}
