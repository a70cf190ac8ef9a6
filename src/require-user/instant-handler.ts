/**
 * `instantHandler`: the typed way to write a handler that runs after `requireInstantUser`.
 * `req.instant` is optional on Express's `Request` (a route without the middleware has none),
 * and Express's types cannot tell which middleware ran before a handler; this wrapper checks
 * it once at run time and hands the handler a request whose `req.instant` is always set.
 */
import type { NextFunction, Request, Response } from 'express'
import type { InstantContext } from '../instant/instant-context.js'
import { optionError } from '../options/option-error.js'

/** A request after {@link requireInstantUser}: `req.instant` is set. */
export type InstantRequest = Request & { instant: InstantContext }

/** A handler that needs `req.instant`; it may return a promise (a rejection goes to `next`). */
export type InstantHandler = (req: InstantRequest, res: Response, next: NextFunction) => unknown

/**
 * Wraps a handler mounted after `requireInstantUser`: it gets `req.instant` typed as set, and
 * a rejected promise goes to `next(err)` on Express 4 as on Express 5. Mounted without the
 * middleware, it calls `next` with an error (a 500) instead of running with no user.
 *
 * @example
 * ```ts
 * app.get('/me', requireInstantUser({ db }), instantHandler((req, res) => res.json(req.instant.user)))
 * ```
 */
export function instantHandler(
  handler: InstantHandler,
): (req: Request, res: Response, next: NextFunction) => void {
  if (typeof handler !== 'function') {
    throw optionError('instantHandler', 'handler', 'be a function (req, res, next) => …', handler)
  }
  return function withInstantUser(req, res, next) {
    if (typeof req.instant !== 'object' || req.instant === null) {
      next(
        new Error(
          `${handler.name || 'handler'}: req.instant is not set; mount requireInstantUser({ db }) before instantHandler(...).`,
        ),
      )
      return
    }
    let result: unknown
    try {
      result = handler(req as InstantRequest, res, next)
    } catch (error) {
      next(error)
      return
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      ;(result as PromiseLike<unknown>).then(undefined, (error: unknown) => next(error))
    }
  }
}
