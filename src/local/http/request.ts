/**
 * What a Local Instant route handler sees and returns: the parsed JSON body, the raw request,
 * and a lazily parsed query string. Shared by the route families and the listener.
 */
import type { IncomingMessage } from 'node:http'

export type Body = Record<string, unknown>

export interface Request {
  req: IncomingMessage
  body: Body
  /** Parsed lazily: most routes never read the query string. */
  query(): URLSearchParams
}

export type Handler = (r: Request) => unknown

/** A route table entry list: `"METHOD /path"` → handler. */
export type Routes = readonly (readonly [string, Handler])[]

/** A handler result that is already JSON text (the verify hot path). */
export class PreEncoded {
  constructor(readonly json: string) {}
}

/** Instant's `(when-not param ...)`: nil and false are absent. */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false
}

export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

export function queryOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q + 1)
}
