/**
 * Turns the InstaQL object of `/admin/query` into a plan: one form per namespace (its options
 * checked and its `where` parsed), nested forms for its links, with Instant's `validation-failed`
 * errors. query.ts runs the plan.
 */
import type { AttrRegistry } from './attrs.js'
import { validationError } from './engine-errors.js'
import { isRecord } from './is-record.js'
import type { QueryMeter } from './query-budget.js'
import { parseWhere, type Where } from './where.js'

/** Throws Instant's `validation-failed` for the query `root`. */
function invalidQuery(root: unknown, errors: Record<string, unknown>[]): never {
  throw validationError('query', root, errors)
}

/** A page-info cursor `[entityId, attrId, value, t]`: `t` is the row's creation time. */
export type Cursor = [string, string, unknown, number]

function isCursor(value: unknown): value is Cursor {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    typeof value[3] === 'number'
  )
}

/** One namespace of the query, parsed: its options, and a form per link it follows. */
export interface Form {
  ns: string
  where?: Where
  order?: { key: string; desc: boolean }
  limit?: number
  last?: number
  offset?: number
  /** Cursors `[e, a, v, t]` from a page-info (top level only); rows strictly after/before. */
  after?: Cursor
  before?: Cursor
  afterInclusive?: boolean
  beforeInclusive?: boolean
  fields?: string[]
  children: { label: string; form: Form }[]
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'where',
  'order',
  'limit',
  'first',
  'last',
  'offset',
  'before',
  'after',
  'beforeInclusive',
  'afterInclusive',
  'aggregate',
  'fields',
])

/** A parsed query: its top-level forms and the `$$ruleParams` its rules read. */
export interface QueryPlan {
  forms: Form[]
  ruleParams: Record<string, unknown>
}

/**
 * Parses the query object `raw` (already checked safe and within its size), counting each form
 * on `meter`.
 */
export function parseQuery(
  attrs: AttrRegistry,
  meter: QueryMeter,
  raw: Record<string, unknown>,
): QueryPlan {
  const { $$ruleParams: ruleParams, ...query } = raw
  const forms = Object.entries(query).map(([ns, v]) => parseForm(attrs, meter, raw, ns, v, [ns], 0))
  return { forms, ruleParams: isRecord(ruleParams) ? ruleParams : {} }
}

function parseForm(
  attrs: AttrRegistry,
  meter: QueryMeter,
  root: unknown,
  ns: string,
  value: unknown,
  path: (string | number)[],
  level: number,
): Form {
  if (!isRecord(value)) invalidQuery(root, [{ expected: 'map?', in: path }])
  meter.form()
  const v = value as Record<string, unknown>
  const form: Form = { ns, children: [] }
  const opts = v['$']
  if (opts !== undefined) {
    if (!isRecord(opts)) invalidQuery(root, [{ expected: 'map?', in: [...path, '$'] }])
    const o = opts as Record<string, unknown>
    const optsIn = [...path, '$']
    if (Object.keys(o).some((k) => !OPTION_KEYS.has(k))) {
      invalidQuery(root, [
        {
          expected: 'supported-options?',
          in: optsIn,
          message:
            'We only support `where`, `order`, `limit`, `offset`, `before`, and `after` clauses.',
        },
      ])
    }
    if (
      level > 0 &&
      (o['offset'] !== undefined || o['before'] !== undefined || o['after'] !== undefined)
    ) {
      invalidQuery(root, [
        {
          expected: 'supported-options?',
          in: optsIn,
          message:
            'We currently only support `offset`, `before`, and `after` clauses on the top-level field. Limit fields will be ignored',
        },
      ])
    }
    for (const k of ['before', 'after'] as const) {
      if (o[k] === undefined || o[k] === null) continue
      if (!isCursor(o[k])) {
        invalidQuery(root, [
          {
            expected: 'cursor?',
            in: [...optsIn, k],
            message: `The \`${k}\` must be a cursor from a page-info: [e, a, v, t].`,
          },
        ])
      }
      form[k] = o[k] as Cursor
    }
    form.afterInclusive = o['afterInclusive'] === true
    form.beforeInclusive = o['beforeInclusive'] === true
    for (const k of ['aggregate'] as const) {
      if (o[k] !== undefined) {
        invalidQuery(root, [
          {
            expected: 'supported-options?',
            in: [...optsIn, k],
            message: `Local Instant does not support \`${k}\` yet.`,
          },
        ])
      }
    }
    const limitKeys = (['limit', 'first', 'last'] as const).filter((k) => o[k] !== undefined)
    if (limitKeys.length > 1) {
      invalidQuery(root, [
        {
          expected: 'supported-options?',
          in: optsIn,
          message: `Only provide one of ${limitKeys.map((k) => `\`${k}\``).join(' or ')}.`,
        },
      ])
    }
    for (const k of limitKeys) {
      const n = o[k]
      if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
        invalidQuery(root, [
          {
            expected: 'supported-options?',
            in: [...optsIn, k],
            message: `The \`${k}\` must be a positive integer.`,
          },
        ])
      }
      if (k === 'last') form.last = n as number
      else form.limit = n as number
    }
    if (o['offset'] !== undefined) {
      const n = o['offset']
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        invalidQuery(root, [
          {
            expected: 'supported-options?',
            in: [...optsIn, 'offset'],
            message: 'The `offset` must be a non-negative integer.',
          },
        ])
      }
      form.offset = n as number
    }
    if (o['where'] !== undefined) {
      if (!isRecord(o['where']))
        invalidQuery(root, [{ expected: 'map?', in: [...optsIn, 'where'] }])
      form.where = parseWhere(o['where'], { root, in: [...optsIn, 'where'] })
    }
    if (o['order'] !== undefined)
      form.order = parseOrder(attrs, root, ns, o['order'], [...optsIn, 'order'])
    if (o['fields'] !== undefined) {
      const f = o['fields']
      if (!Array.isArray(f)) {
        invalidQuery(root, [
          {
            expected: 'array?',
            in: [...optsIn, 'fields'],
            message: 'The `fields` property should be an array of field names.',
          },
        ])
      }
      form.fields = (f as unknown[]).map(String)
    }
  }
  for (const [label, child] of Object.entries(v)) {
    if (label === '$') continue
    const link = attrs.link(ns, label)
    // An unknown label answers []: the link may simply not have been created yet.
    const childNs = link?.otherNs ?? label
    form.children.push({
      label,
      form: parseForm(attrs, meter, root, childNs, child, [...path, label], level + 1),
    })
  }
  return form
}

function parseOrder(
  attrs: AttrRegistry,
  root: unknown,
  ns: string,
  order: unknown,
  at: (string | number)[],
): { key: string; desc: boolean } {
  if (!isRecord(order)) return invalidQuery(root, [{ expected: 'map?', in: at }])
  const entries = Object.entries(order)
  if (entries.length !== 1) {
    return invalidQuery(root, [
      {
        expected: 'single-key?',
        in: at,
        message: `We only support a single key in the \`order\` clause. Got ${entries.map(([k]) => k).join(',')}.`,
      },
    ])
  }
  const [key, direction] = entries[0] as [string, unknown]
  if (direction !== 'asc' && direction !== 'desc') {
    return invalidQuery(root, [
      {
        expected: 'asc-or-desc?',
        in: at,
        message: `We only support "asc" or "desc" in the \`order\` clause. Got ${JSON.stringify(direction)}.`,
      },
    ])
  }
  if (key !== 'serverCreatedAt') {
    const attr = attrs.data(ns, key)
    const friendly = `${ns}.${key}`
    const messages = !attr
      ? [`There is no \`${key}\` attribute for ${ns}.`]
      : [
          ...(attr.indexed
            ? []
            : [
                `The \`${friendly}\` attribute is not indexed. Only indexed and typed attributes can be used to order by.`,
              ]),
          ...(attr.valueType
            ? []
            : [
                `The \`${friendly}\` attribute is not typed. Only typed and indexed attributes can be used to order by.`,
              ]),
        ]
    if (messages.length > 0) {
      return invalidQuery(
        root,
        messages.map((message) => ({ expected: 'supported-order?', in: at, message })),
      )
    }
  }
  return { key, desc: direction === 'desc' }
}
