/**
 * Which commits can change a live query, finer than its namespaces (Instant keys invalidation
 * on topics: an attribute and the entity or value patterns a query reads). A query of one
 * namespace filtered by plain equalities — `todos where ownerId = me` — has a topic; a commit
 * that wrote entities of that namespace can change its result only if one of them is in the
 * result now or matches the filter now. Anything else (links, dotted paths, operators, pages,
 * rules that read other entities) has no topic and is recomputed whenever its namespaces are
 * written: when unsure, recompute.
 */
import type { DataEngine } from '../data/index.js'
import { isRecord } from '../data/is-record.js'
import type { InstaqlResult } from './query-result.js'

/** A query `{ [ns]: { $: { where: { label: literal, ... } } } }` (also with `order`, `fields`). */
export interface Topic {
  ns: string
  /** The equalities of its `where`, on `id` or plain attributes, each a string, number or boolean. */
  clauses: [label: string, value: string | number | boolean][]
}

/** Form options that leave a query's result a filter of single entities (no pages, no cursors). */
const FILTER_OPTIONS: ReadonlySet<string> = new Set(['where', 'order', 'fields'])

/** The query's topic, or undefined when commits must be judged by namespace alone. */
export function topicOf(engine: DataEngine, q: unknown): Topic | undefined {
  if (!isRecord(q)) return undefined
  const forms = Object.keys(q).filter((k) => k !== '$$ruleParams')
  if (forms.length !== 1) return undefined
  const ns = forms[0] as string
  // `$users` rows change through the auth side too, which names no entities.
  if (ns === '$users') return undefined
  const form = q[ns]
  if (!isRecord(form) || Object.keys(form).some((k) => k !== '$')) return undefined
  const opts = form['$']
  if (!isRecord(opts) || Object.keys(opts).some((k) => !FILTER_OPTIONS.has(k))) return undefined
  const where = opts['where']
  if (!isRecord(where)) return undefined
  // A view rule that reads other entities (`data.ref`, `auth.ref`) may turn on any write.
  if (engine.session.permissions.refPaths(ns).length > 0) return undefined
  const clauses: Topic['clauses'] = []
  for (const [label, value] of Object.entries(where)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return undefined
    }
    if (label !== 'id') {
      const attr = engine.session.attrs.data(ns, label)
      // Unknown labels, links and dates (equal across encodings) are left to the namespace rule.
      if (attr === undefined || attr.valueType === 'date') return undefined
    }
    clauses.push([label, value])
  }
  return clauses.length === 0 ? undefined : { ns, clauses }
}

/** The entities a result holds (every triple's entity). */
export function entitiesOf(result: InstaqlResult): Set<string> {
  const out = new Set<string>()
  for (const rows of result[0].data['datalog-result']['join-rows']) {
    for (const triple of rows) out.add(triple[0])
  }
  return out
}

/**
 * Whether entity `id` of the topic's namespace may match its filter now. Conservative: a value
 * of another type than the clause's (which the engine might still compare equal) counts as a
 * match.
 */
export function mayMatch(
  topic: Topic,
  id: string,
  attrs: Readonly<Record<string, unknown>> | undefined,
): boolean {
  if (attrs === undefined) return false
  for (const [label, value] of topic.clauses) {
    const v = label === 'id' ? id : attrs[label]
    if (v === value) continue
    if (v === undefined || v === null || typeof v === typeof value) return false
  }
  return true
}
