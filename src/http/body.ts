/**
 * The body of a kit route: the one a body parser already produced, or read here (size-limited)
 * when none ran, so the routers need no `express.json()` or `express.urlencoded()` in front of
 * them. JSON always; an HTML form's `application/x-www-form-urlencoded` body only for a router
 * with a cookie session, which checks every form post's origin (form-redirect.ts).
 */
import type { IncomingMessage } from 'node:http'
import { KitError } from '../errors/kit-error.js'
import { resolveBytes } from '../options/numbers.js'
import type { CookieSession } from './cookie.js'
import { isFormPost } from './form-redirect.js'

/** Largest body the kit reads itself, in bytes. */
const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024

type RequestWithBody = IncomingMessage & { body?: unknown; _body?: boolean }

function badBody(detail: string): KitError {
  return new KitError('invalid_request', { detail })
}

/** Why a form body is refused by a router without `cookie`. */
export const FORM_WITHOUT_COOKIE_DETAIL =
  'An HTML form body (application/x-www-form-urlencoded) is read only by a router with `cookie` set; send JSON.'

/**
 * Resolves the body as a plain object; empty body → `{}`. A form body (each field's first
 * value, as a string) is read only with a `cookieSession`, and only from a same-origin page
 * (403 `csrf_rejected` otherwise): a form is the one body another site can post without a
 * preflight. Rejects with 400 `invalid_request` for a body it cannot read.
 */
export function readBody(
  req: RequestWithBody,
  limitBytes: number,
  cookieSession: CookieSession | undefined,
): Promise<Record<string, unknown>> {
  const form = isFormPost(req)
  // A form post with a cookie session must come from the app's own pages, parsed or not.
  const forged = form ? cookieSession?.checkSetter(req) : undefined
  if (forged !== undefined) {
    req.resume()
    return Promise.reject(forged)
  }
  // A body parser ran (it consumed the stream, or flagged `_body` like body-parser does).
  if (req._body === true || req.readableEnded) {
    const body = req.body
    if (body === undefined || body === null) return Promise.resolve({})
    if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) {
      return Promise.resolve(body as Record<string, unknown>)
    }
    return Promise.reject(badBody('The body must be a JSON object.'))
  }
  if (form && cookieSession === undefined) {
    req.resume()
    return Promise.reject(badBody(FORM_WITHOUT_COOKIE_DETAIL))
  }
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limitBytes) {
    req.resume()
    return Promise.reject(badBody('The body is too large.'))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (error: KitError | undefined, value?: Record<string, unknown>): void => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onError)
      if (error !== undefined) {
        req.resume() // drain what is left so the socket can be reused or closed cleanly
        reject(error)
      } else resolve(value as Record<string, unknown>)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limitBytes) finish(badBody('The body is too large.'))
      else chunks.push(chunk)
    }
    const onEnd = (): void => {
      const text = Buffer.concat(chunks).toString('utf8').trim()
      if (text === '') {
        finish(undefined, {})
        return
      }
      if (form) {
        finish(undefined, formFields(text))
        return
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        finish(badBody('The body is not valid JSON.'))
        return
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        finish(badBody('The body must be a JSON object.'))
        return
      }
      finish(undefined, parsed as Record<string, unknown>)
    }
    const onError = (): void => finish(badBody('The body could not be read.'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onError)
  }).then((body) => {
    // Hand the parsed body on, as a body parser would (authenticate(req) may read it).
    req.body = body
    return body as Record<string, unknown>
  })
}

/** The fields of a form body; a repeated name keeps its first value. */
function formFields(text: string): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const [name, value] of new URLSearchParams(text)) {
    if (!Object.hasOwn(fields, name)) fields[name] = value
  }
  return fields
}

/** Validates a `bodyLimit` option once; `factory` names the caller in the error. */
export function resolveBodyLimit(value: unknown, factory: string): number {
  return resolveBytes(value, { factory, option: 'bodyLimit', default: DEFAULT_BODY_LIMIT_BYTES })
}
