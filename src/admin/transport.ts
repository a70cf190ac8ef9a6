import type { Dispatcher } from 'undici'
import { Pool } from './undici.js'
import { InstantAPIError, InstantTransportError } from './errors.js'
import type { InstantErrorBody, InstantTransportErrorCode } from './errors.js'
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './options.js'
import type { ResolvedOptions } from './options.js'
import type { RequestOptions } from './user.js'
import { TIMEOUT_RULE, fitsNumberRule, resolveTimeoutMs } from '../options/numbers.js'

/** HTTP methods the admin API uses. */
type HttpMethod = 'GET' | 'POST' | 'DELETE'

/**
 * Sends one request to Instant and returns the parsed 200 body, or throws our errors. An answer
 * longer than `maxBytes` is cut off as soon as it is seen to be (from `content-length`, or while
 * it streams in) and rejected as `INSTANT_BAD_RESPONSE`: nothing larger is ever buffered.
 */
export type Transport = {
  send(
    method: HttpMethod,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
    call: RequestOptions | undefined,
    maxBytes: number,
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
  if (error instanceof DeadlinePassed) return 'INSTANT_TIMEOUT'
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
    call: RequestOptions | undefined,
    maxBytes: number,
  ): Promise<unknown> {
    const signal = call?.signal
    const deadlineMs = call?.timeoutMs
    // Checked per call (it is a per-call option), without allocating when it is fine.
    if (deadlineMs !== undefined && !fitsNumberRule(deadlineMs, TIMEOUT_RULE)) {
      resolveTimeoutMs(deadlineMs, {
        factory: 'instant-express-auth/admin call',
        option: 'timeoutMs',
      })
    }
    let response: RawResponse
    try {
      response = await exchange(
        dispatcher,
        {
          origin,
          path,
          method,
          headers,
          body,
          headersTimeout: headersTimeoutMs,
          bodyTimeout: bodyTimeoutMs,
        },
        signal,
        deadlineMs,
        maxBytes,
      )
    } catch (error) {
      if (error instanceof ResponseTooLarge) {
        const queryAt = path.indexOf('?')
        throw new InstantTransportError(
          'INSTANT_BAD_RESPONSE',
          `Instant's answer is larger than ${maxBytes} bytes (${method} ${origin}${queryAt === -1 ? path : path.slice(0, queryAt)})`,
        )
      }
      throw transportError(classify(error, signal), method, path, error)
    }

    if (response.statusCode === 200) {
      try {
        return JSON.parse(response.text)
      } catch (error) {
        throw transportError('INSTANT_BAD_RESPONSE', method, path, error)
      }
    }
    throw new InstantAPIError({ status: response.statusCode, body: errorBody(response.text) })
  }

  return {
    send,
    async close() {
      if (ownPool !== undefined && !ownPool.closed) await ownPool.close()
    },
  }
}

interface RawResponse {
  statusCode: number
  text: string
}

/** Why `exchange` cut an answer off: more bytes than the caller allows. */
class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge'
}

/** Why `exchange` gave up: the call's `timeoutMs` passed. */
class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed'
}

/**
 * One request, the whole body collected as text, at most `maxBytes` of it. `dispatch` with a
 * small handler rather than `request()`: admin answers are small JSON documents, and skipping
 * the Readable stream that `request()` builds per response saves a measurable share of CPU on
 * every verification. A deadline is one timer that aborts undici's own controller: on Node 20
 * an `AbortSignal` with a listener costs about 10 µs of CPU per call, as much as the rest of
 * this function.
 */
function exchange(
  dispatcher: Dispatcher,
  dispatchOptions: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
  deadlineMs: number | undefined,
  maxBytes: number,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let statusCode = 0
    let received = 0
    let onAbort: (() => void) | undefined
    let requestController: Dispatcher.DispatchController | undefined
    let deadlinePassed: DeadlinePassed | undefined
    // From the start, so that time queued behind other requests counts too.
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            deadlinePassed = new DeadlinePassed(`no answer within ${deadlineMs} ms`)
            // Still queued: fail now; the request is dropped when its turn comes.
            if (requestController === undefined) reject(deadlinePassed)
            else requestController.abort(deadlinePassed)
          }, deadlineMs)
    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        requestController = controller
        if (deadlinePassed !== undefined) {
          controller.abort(deadlinePassed)
          return
        }
        if (signal === undefined) return
        if (signal.aborted) {
          controller.abort(signal.reason)
          return
        }
        onAbort = () => controller.abort(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
      },
      onResponseStart(controller, status, headers) {
        statusCode = status
        const declared = Number(headers['content-length'])
        if (declared > maxBytes) controller.abort(new ResponseTooLarge())
      },
      onResponseData(controller, chunk) {
        received += chunk.length
        if (received > maxBytes) {
          // Drop what was buffered and close the socket: the rest is never read.
          chunks.length = 0
          controller.abort(new ResponseTooLarge())
          return
        }
        chunks.push(chunk)
      },
      onResponseEnd() {
        settle()
        const text =
          chunks.length === 1
            ? (chunks[0] as Buffer).toString('utf8')
            : Buffer.concat(chunks).toString('utf8')
        resolve({ statusCode, text })
      },
      onResponseError(_controller, error) {
        settle()
        reject(error)
      },
    }
    try {
      dispatcher.dispatch(dispatchOptions, handler)
    } catch (error) {
      settle()
      reject(error)
    }
  })
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
