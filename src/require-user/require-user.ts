/**
 * `requireInstantUser` and `optionalInstantUser`: verify the request's Instant token and put the
 * user and a user-scoped db on `req.instant`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Request } from 'express'
import { KitError, isKitError } from '../errors/kit-error.js'
import { createInstantContext, type InstantContext } from '../instant/instant-context.js'
import { isGuestUser, type InstantUser } from '../instant/instant-db.js'
import { MAX_TOKEN_LENGTH, createTokenExtractor } from '../http/token-source.js'
import { invalidTokenError, missingTokenError } from '../errors/token-errors.js'
import { INVALID, createVerifier } from '../verification/verifier.js'
import { hashToken } from '../verification/verify-cache.js'
import { resolveInstantUserOptions, type InstantUserOptions } from './options.js'
import { setInstant } from './instant-slot.js'
import { fail } from '../http/respond.js'
import { isPageNavigation, redirectToLogin } from '../http/form-redirect.js'

/**
 * A request after {@link optionalInstantUser}: `req.instant` is a context, or `null` without a
 * token (`undefined` only where the middleware did not run). Plain `Request` says the same.
 */
export type OptionalInstantRequest = Request

/**
 * An Express/Connect middleware that provides `req.instant` of type `Provided`. The phantom
 * `provides` member only carries the type: it does not exist at run time.
 */
export interface InstantUserMiddleware<Provided> {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void
  /** Type-only: what this middleware puts on `req.instant`. */
  readonly provides?: Provided
}

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * Set by `requireInstantUser` (a context) and `optionalInstantUser` (a context or `null`);
     * absent on routes without either, so it is optional here. After `requireInstantUser`,
     * wrap the handler in `instantHandler` to get a `req.instant` that is always set.
     */
    instant?: InstantContext | null
  }
}

/**
 * Requires a valid Instant token: `token` header, then `Authorization: Bearer`, then the
 * configured cookie. Sets `req.instant = { user, db }` (`db` is `db.asUser({ token })`).
 * Every method is authenticated, `OPTIONS` included: mount your CORS middleware first so it
 * answers preflights.
 *
 * Answers 401 `missing_token` / `invalid_token`, 400 `invalid_request` (two different tokens),
 * 403 `guest_not_allowed`, 403 `csrf_rejected` (a cross-origin unsafe request with the cookie), 429 `rate_limited`, 503 `auth_unavailable` (Instant down: never 401),
 * 500 `instant_misconfigured`.
 *
 * @example
 * ```ts
 * app.get('/me', requireInstantUser({ db }), instantHandler((req, res) => res.json(req.instant.user)))
 * app.get('/todos', requireInstantUser({ db }), instantHandler(async (req, res) =>
 *   res.json(await req.instant.db.query({ todos: {} }))))
 * ```
 */
export function requireInstantUser(
  options: InstantUserOptions,
): InstantUserMiddleware<InstantContext> {
  return build(options, 'requireInstantUser', false) as InstantUserMiddleware<InstantContext>
}

/**
 * Like {@link requireInstantUser}, but a request without a token goes on with
 * `req.instant = null`. A bad token still answers 401, except one that came from the session
 * cookie alone: that cookie is cleared and the request goes on with `req.instant = null`.
 *
 * @example
 * ```ts
 * app.get('/feed', optionalInstantUser({ db }), (req, res) =>
 *   res.json({ signedIn: req.instant != null }))
 * ```
 */
export function optionalInstantUser(
  options: InstantUserOptions,
): InstantUserMiddleware<InstantContext | null> {
  return build(options, 'optionalInstantUser', true) as InstantUserMiddleware<InstantContext | null>
}

type RequestWithInstant = IncomingMessage & { instant?: InstantContext | null }

/** Refusals a sign-in cures: `redirectTo` sends a page load with one of them to the login page. */
const SIGN_IN_NEEDED: ReadonlySet<string> = new Set([
  'missing_token',
  'invalid_token',
  'guest_not_allowed',
])

function build(
  options: InstantUserOptions,
  factory: string,
  optional: boolean,
): (req: RequestWithInstant, res: ServerResponse, next: (err?: unknown) => void) => void {
  const config = resolveInstantUserOptions(options, factory)
  const { db, logger, onEvent, timeoutMs, failure, allowGuests, cache, cookieSession, store } =
    config
  const { redirectTo } = config
  const extractToken = createTokenExtractor({ cookie: cookieSession?.name })
  const verifier = createVerifier({ db, cache, logger, onEvent, timeoutMs, store })

  function reject(
    req: RequestWithInstant,
    res: ServerResponse,
    next: (err?: unknown) => void,
    error: KitError,
  ): void {
    onEvent?.({ type: 'token_rejected', code: error.code })
    if (error.code === 'invalid_token' && cookieSession?.isCookieOnly(req)) {
      // Page scripts cannot remove an HttpOnly cookie: without this, a dead one would be sent,
      // and refused, on every page load until it expires. Optional pages go on signed out.
      cookieSession.clear(req, res)
      if (optional) {
        setInstant(req, null)
        try {
          next()
        } catch (downstream) {
          fail(req, res, next, downstream, failure) // as in accept: always end in a response
        }
        return
      }
    }
    if (redirectTo !== undefined && SIGN_IN_NEEDED.has(error.code) && isPageNavigation(req)) {
      failure.securityHeaders(req, res)
      redirectToLogin(req, res, redirectTo)
      return
    }
    fail(req, res, next, error, failure)
  }

  function accept(
    req: RequestWithInstant,
    res: ServerResponse,
    next: (err?: unknown) => void,
    user: InstantUser,
    token: string,
  ): void {
    if (!allowGuests && isGuestUser(user)) {
      reject(req, res, next, new KitError('guest_not_allowed'))
      return
    }
    setInstant(req, createInstantContext(user, token, db))
    next()
  }

  function onUpstreamError(
    req: RequestWithInstant,
    res: ServerResponse,
    next: (err?: unknown) => void,
    error: unknown,
  ): void {
    if (isKitError(error) && error.code === 'invalid_token') reject(req, res, next, error)
    else fail(req, res, next, error, failure)
  }

  // Named inner function, one per factory call; the hot path (cache hit) allocates only the
  // context object: no closures, no promises, one hash.
  const middleware = function instantUser(
    req: RequestWithInstant,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void {
    // Every method is authenticated, OPTIONS included: with `app.all` or `app.use(path, mw,
    // handler)` an OPTIONS request reaches the protected handler. CORS preflights are answered
    // by a CORS middleware mounted before this one.
    let token: string | undefined
    try {
      token = extractToken(req.headers, req)
    } catch (error) {
      reject(req, res, next, error as KitError)
      return
    }
    if (token === undefined) {
      if (optional) {
        setInstant(req, null)
        next()
      } else {
        reject(req, res, next, missingTokenError())
      }
      return
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      reject(req, res, next, invalidTokenError())
      return
    }
    // A cookie rides along on cross-site requests: unsafe ones must come from the app's pages.
    const forged = cookieSession?.checkCookieRequest(req)
    if (forged !== undefined) {
      reject(req, res, next, forged)
      return
    }
    const tokenHash = hashToken(token)
    const cached = verifier.peek(tokenHash)
    if (cached !== undefined) {
      if (cached === INVALID) reject(req, res, next, invalidTokenError())
      else accept(req, res, next, cached, token)
      return
    }
    const verifiedToken = token
    verifier.verify(token, tokenHash).then(
      (user) => {
        try {
          accept(req, res, next, user, verifiedToken)
        } catch (error) {
          // A throwing downstream `next` must still end in a response, not an unhandled rejection.
          fail(req, res, next, error, failure)
        }
      },
      (error: unknown) => onUpstreamError(req, res, next, error),
    )
  }
  Object.defineProperty(middleware, 'name', {
    value: optional ? 'optionalInstantUser' : 'requireInstantUser',
  })
  return middleware
}
