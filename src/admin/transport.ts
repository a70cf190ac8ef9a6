import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import { InstantAPIError, InstantTransportError } from './errors.js'
import type { InstantErrorBody, InstantTransportErrorCode } from './errors.js'
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './options.js'
import type { ResolvedOptions } from './options.js'

/** HTTP methods the admin API uses. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE'

/** Sends one request to Instant and returns the parsed 200 body, or throws our errors. */
export type Transport = {
  send(
    method: HttpMethod,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown>
  close(): Promise<void>
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])

function classify(error: unknown, signal: AbortSignal | undefined): InstantTransportErrorCode {
  if (signal?.aborted) return 'INSTANT_ABORTED'
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'INSTANT_TIMEOUT'
  if (code === 'UND_ERR_ABORTED' || (error as Error | null)?.name === 'AbortError') {
    return 'INSTANT_ABORTED'
  }
  // Refused, reset, DNS, socket closed, pool closed: Instant cannot be reached.
  return 'INSTANT_UNREACHABLE'
}

const CODE_TEXT: Record<InstantTransportErrorCode, string> = {
  INSTANT_UNREACHABLE: 'Instant is unreachable',
  INSTANT_TIMEOUT: 'Instant did not answer in time',
  INSTANT_BAD_RESPONSE: 'Instant answered 200 with a body that is not JSON',
  INSTANT_ABORTED: 'The request to Instant was aborted',
}

/**
 * Builds the one transport of a client: a keep-alive undici `Pool` to `apiURI`'s origin, or the
 * caller's `dispatcher`. Error messages carry method, origin and path without the query string
 * (which may hold an email or a refresh token), and never a header.
 */
export function createTransport(options: ResolvedOptions): Transport {
  const ownPool =
    options.dispatcher === undefined
      ? new Pool(options.origin, {
          connect: { timeout: options.connectTimeoutMs },
          keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
        })
      : undefined
  const dispatcher: Dispatcher = options.dispatcher ?? (ownPool as Pool)
  const { origin, headersTimeoutMs, bodyTimeoutMs } = options

  function transportError(
    code: InstantTransportErrorCode,
    method: HttpMethod,
    path: string,
    cause: unknown,
  ): InstantTransportError {
    const queryAt = path.indexOf('?')
    const where = `${method} ${origin}${queryAt === -1 ? path : path.slice(0, queryAt)}`
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : ''
    return new InstantTransportError(code, `${CODE_TEXT[code]} (${where})${detail}`, { cause })
  }

  async function send(
    method: HttpMethod,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    let statusCode: number
    let text: string
    try {
      const response = await dispatcher.request({
        origin,
        path,
        method,
        headers,
        body,
        signal,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
      })
      statusCode = response.statusCode
      text = await response.body.text()
    } catch (error) {
      throw transportError(classify(error, signal), method, path, error)
    }

    if (statusCode === 200) {
      try {
        return JSON.parse(text)
      } catch (error) {
        throw transportError('INSTANT_BAD_RESPONSE', method, path, error)
      }
    }
    throw new InstantAPIError({ status: statusCode, body: errorBody(text) })
  }

  return {
    send,
    async close() {
      if (ownPool !== undefined && !ownPool.closed) await ownPool.close()
    },
  }
}

/** The SDK's rule: JSON if it parses (and is not `null`), else `{ type: undefined, message }`. */
function errorBody(text: string): InstantErrorBody {
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed !== null) return parsed as InstantErrorBody
  } catch {
    // not JSON: fall through
  }
  return { type: undefined, message: text }
}
