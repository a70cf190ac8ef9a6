/**
 * Budgets for one `/admin/query`: how big the query may be, how big its answer, and how long it
 * may run. Any guest with the app id can query, and the engine runs on the server's only thread:
 * without them a wide query blocked every other request for seconds and built answers of
 * hundreds of MiB (out of memory at a few hundred KB of query). Checked as the answer is built,
 * so a query over budget stops early, and the server moves on to the next request.
 */
import { LocalInstantError } from '../errors.js'
import { validationError } from './engine-errors.js'

export interface QueryBudget {
  /** Largest query, as JSON text (characters). */
  maxQueryBytes: number
  /** Most namespace forms (nodes of the query tree, nested ones included). */
  maxQueryForms: number
  /** Most entities in the answer, nested ones included. */
  maxResultRows: number
  /** Largest answer, estimated as JSON while it is built (bytes). */
  maxResultBytes: number
  /** Longest a query may run before it is stopped (ms). */
  timeoutMs: number
}

/** Default query size limit: 256 KiB of JSON. */
export const DEFAULT_MAX_QUERY_BYTES = 256 * 1024
/** Default number of forms a query may have. */
export const DEFAULT_MAX_QUERY_FORMS = 1_000
/** Default number of entities an answer may hold. */
export const DEFAULT_MAX_RESULT_ROWS = 100_000
/** Default answer size limit: 32 MiB. */
export const DEFAULT_MAX_RESULT_BYTES = 32 * 1024 * 1024
/** Default time a query may run: 3 s. */
export const DEFAULT_QUERY_TIMEOUT_MS = 3_000

export const DEFAULT_QUERY_BUDGET: Readonly<QueryBudget> = Object.freeze({
  maxQueryBytes: DEFAULT_MAX_QUERY_BYTES,
  maxQueryForms: DEFAULT_MAX_QUERY_FORMS,
  maxResultRows: DEFAULT_MAX_RESULT_ROWS,
  maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
  timeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
})

/** Work units between clock reads: reading the clock per entity would cost more than the work. */
const TICKS_PER_CLOCK_READ = 256

/** The running account of one query against its budget. */
export interface QueryMeter {
  /** Counts one form of the query; throws past `maxQueryForms`. */
  form(): void
  /** Counts one unit of work; throws once the time budget is spent. */
  tick(): void
  /** Counts one entity of the answer and its estimated JSON size; throws past either cap. */
  row(bytes: number): void
}

/** Checks the query's size (the length of its JSON) and starts the clock. */
export function startQueryMeter(budget: QueryBudget, size: number): QueryMeter {
  if (size > budget.maxQueryBytes) {
    throw over(`The query is larger than ${budget.maxQueryBytes} bytes.`, {
      'max-query-bytes': budget.maxQueryBytes,
    })
  }
  const deadline = performance.now() + budget.timeoutMs
  let forms = 0
  let ticks = 0
  let rows = 0
  let bytes = 0
  return {
    form() {
      if (++forms > budget.maxQueryForms) {
        throw over(`The query has more than ${budget.maxQueryForms} namespaces.`, {
          'max-query-forms': budget.maxQueryForms,
        })
      }
    },
    tick() {
      if (++ticks % TICKS_PER_CLOCK_READ === 0 && performance.now() > deadline) {
        // Instant's words for its own query timeout (ex/throw-query-timeout!).
        throw new LocalInstantError(400, 'timeout', 'The query took too long to complete.', {
          'timeout-ms': budget.timeoutMs,
        })
      }
    },
    row(size) {
      this.tick()
      bytes += size
      if (++rows > budget.maxResultRows) {
        throw over(
          `The result has more than ${budget.maxResultRows} entities. Narrow the query with \`where\` or \`limit\`.`,
          { 'max-result-rows': budget.maxResultRows },
        )
      }
      if (bytes > budget.maxResultBytes) {
        throw over(
          `The result is larger than ${budget.maxResultBytes} bytes. Narrow the query with \`where\`, \`limit\` or \`fields\`.`,
          { 'max-result-bytes': budget.maxResultBytes },
        )
      }
    },
  }
}

/** Instant's `validation-failed` on the query, naming the budget. */
function over(message: string, limit: Record<string, number>): LocalInstantError {
  return validationError('query', null, [{ expected: 'within-budget?', message, limit }])
}

/** A cheap estimate of a value's JSON size (exact for plain strings without escapes). */
export function jsonSizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length + 2
  if (typeof value === 'number') return 12
  if (typeof value === 'boolean' || value === null || value === undefined) return 5
  return JSON.stringify(value).length
}
