/**
 * The shape check of a rules object, before any rule is compiled: the keys Instant's rules
 * take (its dashboard's rules JSON schema and `model/rule.clj`'s validations), so a misspelt
 * `allwo` or `veiw` is refused with its path instead of silently allowing everything.
 */
import { isRecord } from './is-record.js'

/** One thing wrong with a rules object; `message` starts with the dotted path. */
export interface RulesProblem {
  /** Where, e.g. `['todos', 'allow', 'create']`; `[]` for the whole object. */
  readonly path: readonly string[]
  /** The whole line, e.g. `todos.allow.create: Unexpected character: =`. */
  readonly message: string
}

/** The actions an `allow` block takes (link and unlink are tables of labels). */
const ALLOW_KEYS = ['view', 'create', 'update', 'delete', '$default'] as const
const LINK_KEYS = ['link', 'unlink'] as const
/** `$` namespaces Instant lets rules name (system-attribute-validation-errors). */
const RULED_SYSTEM_NAMESPACES = new Set(['$users', '$files', '$default', '$streams'])

export function problem(path: readonly string[], text: string): RulesProblem {
  return { path, message: path.length > 0 ? `${path.join('.')}: ${text}` : text }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'string' ? JSON.stringify(value) : `a ${typeof value}`
}

function oneOf(keys: readonly string[]): string {
  return keys.length === 1
    ? `\`${keys[0]}\``
    : `${keys
        .slice(0, -1)
        .map((k) => `\`${k}\``)
        .join(', ')} or \`${keys[keys.length - 1]}\``
}

/** A rule value: a CEL expression, a boolean, or null (no rule), as Instant's `patch-code`. */
function isRuleValue(value: unknown): value is string | boolean | null | undefined {
  return (
    value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean'
  )
}

function checkRuleValue(path: string[], value: unknown, out: RulesProblem[]): void {
  if (!isRuleValue(value)) {
    out.push(
      problem(path, `must be a string (a CEL expression) or a boolean; got ${describe(value)}`),
    )
  }
}

function checkAllow(ns: string, allow: unknown, out: RulesProblem[]): void {
  const path = [ns, 'allow']
  if (!isRecord(allow)) {
    out.push(problem(path, `must be an object of rules; got ${describe(allow)}`))
    return
  }
  const keys: readonly string[] = ns === 'attrs' ? ALLOW_KEYS : [...ALLOW_KEYS, ...LINK_KEYS]
  for (const [key, value] of Object.entries(allow)) {
    if (!keys.includes(key)) {
      out.push(problem([...path, key], `unknown action; expected ${oneOf(keys)}`))
    } else if ((LINK_KEYS as readonly string[]).includes(key)) {
      if (value === null || value === undefined) continue
      if (!isRecord(value)) {
        out.push(
          problem(
            [...path, key],
            `must be an object of link labels to rules; got ${describe(value)}`,
          ),
        )
        continue
      }
      for (const [label, rule] of Object.entries(value)) {
        checkRuleValue([...path, key, label], rule, out)
      }
    } else {
      checkRuleValue([...path, key], value, out)
    }
  }
  if (ns === '$users') {
    const del = allow['delete']
    if (del !== undefined && del !== null && del !== 'false' && del !== false) {
      out.push(
        problem(
          [...path, 'delete'],
          'The $users namespace doesn\'t support permissions for delete. Set `$users.allow.delete` to `"false"`.',
        ),
      )
    }
  }
}

function checkBind(ns: string, bind: unknown, out: RulesProblem[]): void {
  const path = [ns, 'bind']
  if (bind === undefined || bind === null) return
  let pairs: [unknown, unknown][]
  if (Array.isArray(bind)) {
    if (bind.length % 2 !== 0) {
      out.push(problem(path, 'bind should have an even number of elements'))
      return
    }
    pairs = []
    for (let i = 0; i < bind.length; i += 2) pairs.push([bind[i], bind[i + 1]])
  } else if (isRecord(bind)) {
    pairs = Object.entries(bind)
  } else {
    out.push(
      problem(path, `must be an array [name, expression, …] or an object; got ${describe(bind)}`),
    )
    return
  }
  const seen = new Set<string>()
  for (const [name, expr] of pairs) {
    if (typeof name !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
      out.push(problem(path, `a bind name must be an identifier; got ${describe(name)}`))
      continue
    }
    if (seen.has(name)) {
      out.push(problem([...path, name], 'bind should only contain a given variable name once'))
    }
    seen.add(name)
    if (typeof expr !== 'string') {
      out.push(
        problem([...path, name], `must be a string (a CEL expression); got ${describe(expr)}`),
      )
    }
  }
}

function checkFields(ns: string, fields: unknown, out: RulesProblem[]): void {
  const path = [ns, 'fields']
  if (fields === undefined || fields === null) return
  if (!isRecord(fields)) {
    out.push(
      problem(path, `must be an object of attribute names to rules; got ${describe(fields)}`),
    )
    return
  }
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'id') {
      out.push(
        problem(
          [...path, field],
          `You cannot set field rules for \`id\`. Use ${ns} -> allow -> view instead`,
        ),
      )
      continue
    }
    checkRuleValue([...path, field], value, out)
  }
}

/**
 * The shape problems of a rules object (keys, value types, binds); none means every rule can be
 * compiled. `$rateLimits` is left to Instant (Local Instant has no rate-limited rules).
 */
export function shapeProblems(rules: unknown): RulesProblem[] {
  const out: RulesProblem[] = []
  if (!isRecord(rules)) {
    out.push(problem([], `Rules must be an object; got ${describe(rules)}.`))
    return out
  }
  for (const [ns, entry] of Object.entries(rules)) {
    if (ns === '$rateLimits') {
      if (entry !== null && entry !== undefined && !isRecord(entry)) {
        out.push(problem([ns], '$rateLimits must be an object'))
      }
      continue
    }
    if (ns.startsWith('$') && !RULED_SYSTEM_NAMESPACES.has(ns)) {
      out.push(
        problem(
          [ns],
          `The ${ns} namespace is a reserved internal namespace that does not yet support rules.`,
        ),
      )
      continue
    }
    if (entry === null || entry === undefined) continue
    if (!isRecord(entry)) {
      out.push(problem([ns], `must be an object with \`allow\`; got ${describe(entry)}`))
      continue
    }
    const keys =
      ns === '$default' || ns === 'attrs' ? ['allow', 'bind'] : ['allow', 'bind', 'fields']
    for (const key of Object.keys(entry)) {
      if (!keys.includes(key)) out.push(problem([ns, key], `unknown key; expected ${oneOf(keys)}`))
    }
    if (entry['allow'] !== undefined && entry['allow'] !== null) checkAllow(ns, entry['allow'], out)
    checkBind(ns, entry['bind'], out)
    if (keys.includes('fields')) checkFields(ns, entry['fields'], out)
  }
  return out
}
