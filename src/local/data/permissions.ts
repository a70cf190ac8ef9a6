/**
 * Permission rules: validation, lookup (model/rule.clj's path order), compilation through the
 * CEL cache, and evaluation with Instant's variables.
 */
import type { AttrRegistry } from './attrs.js'
import { toCelMap, type CelCompiler, type CelMap, type CompiledRule } from './cel.js'
import { permissionEvaluationFailed, validationError } from './engine-errors.js'
import type { GraphReader } from './graph.js'
import type { DbUser } from '../users.js'
import type { StoredEntity } from './store.js'
import { isRecord } from './is-record.js'
import { problem, shapeProblems, type RulesProblem } from './rules-check.js'

/** The object-level actions a rule can allow. */
type RuleAction = 'view' | 'create' | 'update' | 'delete'

/** How often one rule in force ran, and what it answered; bumped in place on each run. */
interface RuleCounter {
  evaluated: number
  allowed: number
  denied: number
  errors: number
}

/** One row of `ruleCoverage()`: a rule in force and its counters. */
export interface RuleCoverageRow {
  /** The rules key the rule sits under: a namespace, `$default` or `attrs`. */
  namespace: string
  /** `view`, `create`, `update`, `delete`, `$default`, `link.<label>`, `unlink.<label>`, `fields.<attr>`. */
  action: string
  /** The rule's expression text. */
  rule: string
  evaluated: number
  allowed: number
  denied: number
  errors: number
}

/** A rule ready to run. */
export interface Program {
  /** The namespace it is checked for (not `$default` when it came from there). */
  etype: string
  action: string
  /** The rule's own text (Instant's `display-code`, except for system fallbacks). */
  source: string
  /** The text compiled: `source` wrapped in the binds it uses (Instant's `code`). */
  code: string
  /** Instant's `display-code`: the rule's text, or `disallow_<action>_on_system_tables`. */
  displayCode: string
  /** The rules path it came from (`['$default', 'allow', 'view']`); none for system fallbacks. */
  path?: readonly string[]
  run: CompiledRule
  /** The coverage counter of the rule at `path`. */
  counter?: RuleCounter
}

/** Rules of one engine; replaced wholesale by `setRules`. */
export interface Permissions {
  /**
   * Validates and compiles every rule, then puts them in force; throws `validation-failed`
   * naming each bad rule's path, and keeps the previous rules then.
   */
  setRules(rules: unknown): void
  /** What is wrong with a rules object (its JSON text too), without putting it in force. */
  validate(rules: unknown): RulesProblem[]
  /** The program for an action, or `undefined` when nothing applies (allowed). */
  program(etype: string, action: RuleAction): Program | undefined
  /** `allow.link.<label>` / `allow.unlink.<label>` (else `.$default`) when defined on `etype`. */
  linkProgram(etype: string, kind: 'link' | 'unlink', label: string): Program | undefined
  /**
   * `$users.allow.create` only (no `$default`, no fallback), as `assert-create-permission!`
   * looks it up for signup; `undefined` when the rule is not set.
   */
  signupProgram(): Program | undefined
  /** `fields.<attr>` of `etype`, which hides that attribute from readers it refuses. */
  fieldProgram(etype: string, field: string): Program | undefined
  /** True when `etype` has any `fields` rule (so results need per-attribute checks). */
  hasFieldRules(etype: string): boolean
  /**
   * Runs a program and returns what it answered; CEL errors become 400s, with CEL's own message
   * when `showCelErrors` (perms check runs, as Instant's `show-cel-errors?`). Counts the run.
   */
  evaluate(program: Program, vars: Record<string, unknown>, showCelErrors?: boolean): unknown
  /** Runs a program; `true` only for a truthy result. CEL errors become 400s. */
  check(program: Program, vars: Record<string, unknown>): boolean
  /**
   * The literal `ref` paths the rules of `etype` (and `$default`, binds included) read:
   * `data.ref('a.b.c')` / `newData.ref(...)` from an `etype` entity, `auth.ref('$user.a.b')`
   * from the signed-in user. Reactivity uses them to know which writes can change a view.
   */
  refPaths(etype: string): readonly RefPath[]
  /** One row per rule in force, in the rules' order, never-run rules with zeros. */
  coverage(): RuleCoverageRow[]
  /** Sets every coverage counter back to zero. */
  resetCoverage(): void
}

/** A `ref` path in a rule, without its final attribute: the links it walks. */
interface RefPath {
  from: 'data' | 'auth'
  links: string[]
}

const REF_CALL = /\b(data|newData|auth)\.ref\(\s*["']([^"']+)["']/g

/** Every string inside a rules entry (allow, bind, fields), however nested. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out)
  else if (isRecord(value)) for (const v of Object.values(value)) stringsOf(v, out)
  return out
}

type RulesJson = Record<
  string,
  { allow?: Record<string, unknown>; bind?: unknown; fields?: Record<string, unknown> }
>

/** A rule of a rules object: where it is and its text. */
interface RuleEntry {
  path: readonly string[]
  /** The namespace its program is checked for (`etype` of `build`). */
  etype: string
  action: string
  rule: string
}

/** Every rule of a (shape-checked) rules object, in its order: allow, links, fields. */
function ruleEntries(rules: RulesJson): RuleEntry[] {
  const out: RuleEntry[] = []
  const add = (path: string[], etype: string, action: string, expr: unknown): void => {
    if (typeof expr === 'string' || typeof expr === 'boolean') {
      out.push({ path, etype, action, rule: String(expr) })
    }
  }
  for (const [ns, entry] of Object.entries(rules)) {
    if (ns === '$rateLimits' || !isRecord(entry)) continue
    const allow = isRecord(entry['allow']) ? entry['allow'] : {}
    for (const [action, expr] of Object.entries(allow)) {
      if (isRecord(expr)) {
        for (const [label, e] of Object.entries(expr)) {
          add([ns, 'allow', action, label], ns, action, e)
        }
      } else {
        add([ns, 'allow', action], ns, action, expr)
      }
    }
    const fields = isRecord(entry['fields']) ? entry['fields'] : {}
    for (const [field, expr] of Object.entries(fields)) add([ns, 'fields', field], ns, 'view', expr)
  }
  return out
}

/** The coverage row's action of a rule path: what follows `allow`, or `fields.<attr>`. */
function coverageAction(path: readonly string[]): string {
  return path[1] === 'allow' ? path.slice(2).join('.') : path.slice(1).join('.')
}

/** System fallbacks of model/rule.clj for `$` namespaces, when no rule matches. */
function fallbackSource(etype: string, action: string): string | undefined {
  if (!etype.startsWith('$')) return undefined
  if (etype === '$users') {
    if (action === 'create') return 'true'
    if (action === 'view' || action === 'update') {
      // A primary user also sees (and updates) the guests linked to it.
      return 'auth.id == data.id || (data.linkedPrimaryUser != null && auth.id == data.linkedPrimaryUser)'
    }
  }
  return 'false'
}

/** The binds a rule of `etype` sees: `$default.bind`, then `etype.bind` (which wins), as rule.clj. */
function bindsOf(rules: RulesJson, etype: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const owner of ['$default', etype]) {
    const bind = rules[owner]?.bind
    if (Array.isArray(bind)) {
      for (let i = 0; i + 1 < bind.length; i += 2) out.set(String(bind[i]), String(bind[i + 1]))
    } else if (isRecord(bind)) {
      for (const [k, v] of Object.entries(bind)) out.set(k, String(v))
    }
  }
  return out
}

/** Wraps `expr` in `cel.bind(...)` for each bind it uses, dependencies outermost. */
function withBinds(expr: string, binds: Map<string, string>): string {
  const uses = (src: string): string[] =>
    [...binds.keys()].filter((name) =>
      new RegExp(`(^|[^A-Za-z0-9_.])${name.replace(/\$/g, '\\$')}($|[^A-Za-z0-9_])`).test(src),
    )
  const order: string[] = []
  const seen = new Set<string>()
  const visit = (name: string): void => {
    if (seen.has(name)) return
    seen.add(name)
    for (const dep of uses(binds.get(name) ?? '')) visit(dep)
    order.push(name)
  }
  for (const name of uses(expr)) visit(name)
  let body = expr
  for (const name of [...order].reverse()) body = `cel.bind(${name}, ${binds.get(name)}, ${body})`
  return body
}

/** The first line of a compile error: cel-js adds the source and a caret below it. */
function compileMessage(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)
}

/** Rules as given: an object, its JSON text (the CLI and HTTP callers), or nothing (no rules). */
function parseRulesInput(input: unknown): { rules: unknown } | { problem: RulesProblem } {
  if (typeof input !== 'string') return { rules: input ?? {} }
  try {
    return { rules: JSON.parse(input) as unknown }
  } catch (e) {
    return { problem: problem([], `The rules are not valid JSON: ${compileMessage(e)}`) }
  }
}

/** `validation-failed` for refused rules: every problem, each naming its rule's path. */
export function rulesRefused(dataType: string, problems: readonly RulesProblem[]): Error {
  return validationError(
    dataType,
    problems[0]?.path ?? null,
    problems.map((p) => ({ message: p.message, in: [...p.path] })),
  )
}

/** Creates the rule set over a CEL compiler. */
export function createPermissions(cel: CelCompiler): Permissions {
  let rules: RulesJson = {}
  let entries: RuleEntry[] = []
  const programs = new Map<string, Program | null>()

  /** etype → the ref paths its rules read; emptied with the rules. */
  const refPathCache = new Map<string, RefPath[]>()
  // Built programs by (etype, action, path, code): bind expansion runs once per rule.
  const built = new Map<string, Program>()
  // Counters by (path, rule text): they outlive a setRules that keeps the rule as it was.
  const counters = new Map<string, RuleCounter>()
  const counterKey = (path: readonly string[], rule: string): string =>
    [...path, rule].join('\u0000')

  function counterOf(path: readonly string[], rule: string): RuleCounter {
    const k = counterKey(path, rule)
    let c = counters.get(k)
    if (!c) {
      c = { evaluated: 0, allowed: 0, denied: 0, errors: 0 }
      counters.set(k, c)
    }
    return c
  }

  function build(
    etype: string,
    action: string,
    expr: unknown,
    path: readonly string[] | undefined,
  ): Program {
    const source = String(expr)
    const k = [etype, action, ...(path ?? ['']), source].join('\u0000')
    const hit = built.get(k)
    if (hit) return hit
    const code = withBinds(source, bindsOf(rules, etype))
    let run: CompiledRule
    try {
      run = cel.compile(code)
    } catch (e) {
      // Rules in force were all compiled when set; only a fallback could get here.
      throw validationError('permission', path ?? [etype, 'allow', action], [
        { message: compileMessage(e) },
      ])
    }
    const displayCode =
      path === undefined && etype !== '$users' && etype !== '$files'
        ? `disallow_${action}_on_system_tables`
        : source
    const program: Program = { etype, action, source, code, displayCode, run }
    if (path !== undefined) {
      program.path = path
      program.counter = counterOf(path, source)
    }
    built.set(k, program)
    return program
  }

  function lookup(etype: string, action: string): Program | null {
    const k = `${etype}\u0000${action}`
    const hit = programs.get(k)
    if (hit !== undefined) return hit
    const paths: [string, string][] = [
      [etype, action],
      [etype, '$default'],
      ['$default', action],
      ['$default', '$default'],
    ]
    let program: Program | null = null
    for (const [owner, key] of paths) {
      const expr = rules[owner]?.allow?.[key]
      if (
        expr !== undefined &&
        expr !== null &&
        (typeof expr === 'string' || typeof expr === 'boolean')
      ) {
        program = build(etype, action, expr, [owner, 'allow', key])
        break
      }
    }
    if (!program) {
      const fallback = fallbackSource(etype, action)
      if (fallback !== undefined) program = build(etype, action, fallback, undefined)
    }
    programs.set(k, program)
    return program
  }

  function validate(input: unknown): RulesProblem[] {
    const given = parseRulesInput(input)
    if ('problem' in given) return [given.problem]
    const parsed = given.rules
    const problems = shapeProblems(parsed)
    if (!isRecord(parsed)) return problems
    // Rules of a good shape are compiled even beside bad keys, so one pass reports everything.
    const candidate = parsed as RulesJson
    for (const entry of ruleEntries(candidate)) {
      // A `$default` rule is compiled with `$default`'s binds: those every namespace sees.
      const code = withBinds(entry.rule, bindsOf(candidate, entry.path[0] as string))
      try {
        cel.compile(code)
      } catch (e) {
        problems.push(problem(entry.path, compileMessage(e)))
      }
    }
    return problems
  }

  function evaluate(
    program: Program,
    vars: Record<string, unknown>,
    showCelErrors = false,
  ): unknown {
    const counter = program.counter
    let result: unknown
    try {
      result = program.run(vars)
    } catch (e) {
      if (counter) {
        counter.evaluated++
        counter.errors++
      }
      throw permissionEvaluationFailed(program.etype, program.action, e, showCelErrors)
    }
    if (counter) {
      counter.evaluated++
      if (isTruthy(result)) counter.allowed++
      else counter.denied++
    }
    return result
  }

  return {
    setRules(input) {
      const problems = validate(input)
      if (problems.length > 0) throw rulesRefused('permission', problems)
      rules = (parseRulesInput(input) as { rules: RulesJson }).rules
      entries = ruleEntries(rules)
      refPathCache.clear()
      programs.clear()
      built.clear()
    },
    validate,
    program: (etype, action) => lookup(etype, action) ?? undefined,
    refPaths(etype) {
      const hit = refPathCache.get(etype)
      if (hit) return hit
      const paths: RefPath[] = []
      for (const text of stringsOf([rules[etype], rules['$default']])) {
        for (const m of text.matchAll(REF_CALL)) {
          const segments = (m[2] as string).split('.')
          const from = m[1] === 'auth' ? 'auth' : 'data'
          // auth.ref paths start at `$user`; the last segment is an attribute, not a link.
          if (from === 'auth' && segments[0] === '$user') segments.shift()
          paths.push({ from, links: segments.slice(0, -1) })
        }
      }
      refPathCache.set(etype, paths)
      return paths
    },
    linkProgram(etype, kind, label) {
      const table = rules[etype]?.allow?.[kind]
      if (!isRecord(table)) return undefined
      // The label's rule, else the table's `$default`, as rule.clj's link paths.
      for (const key of [label, '$default']) {
        const expr = table[key]
        if (typeof expr === 'string' || typeof expr === 'boolean') {
          return build(etype, kind, expr, [etype, 'allow', kind, key])
        }
      }
      return undefined
    },
    signupProgram() {
      const expr = rules['$users']?.allow?.['create']
      if (typeof expr !== 'string' && typeof expr !== 'boolean') return undefined
      return build('$users', 'create', expr, ['$users', 'allow', 'create'])
    },
    fieldProgram(etype, field) {
      const expr = rules[etype]?.fields?.[field]
      if (typeof expr !== 'string' && typeof expr !== 'boolean') return undefined
      return build(etype, 'view', expr, [etype, 'fields', field])
    },
    hasFieldRules: (etype) =>
      isRecord(rules[etype]?.fields) && Object.keys(rules[etype]?.fields ?? {}).length > 0,
    evaluate,
    check: (program, vars) => isTruthy(evaluate(program, vars)),
    coverage: () =>
      entries.map((e) => {
        const c = counters.get(counterKey(e.path, e.rule))
        return {
          namespace: e.path[0] as string,
          action: coverageAction(e.path),
          rule: e.rule,
          evaluated: c?.evaluated ?? 0,
          allowed: c?.allowed ?? 0,
          denied: c?.denied ?? 0,
          errors: c?.errors ?? 0,
        }
      }),
    resetCoverage() {
      for (const c of counters.values()) {
        c.evaluated = 0
        c.allowed = 0
        c.denied = 0
        c.errors = 0
      }
    },
  }
}

/** Clojure truthiness, as permissioned_transaction.clj uses `(boolean result)`. */
export function isTruthy(result: unknown): boolean {
  return result !== false && result !== null && result !== undefined
}

/** `data` / `newData` for an entity: its attrs, `id`, known-but-missing attrs as null, `.ref`. */
export function celEntity(
  ns: string,
  entity: StoredEntity,
  reader: GraphReader,
  attrs: AttrRegistry,
): CelMap {
  const obj: Record<string, unknown> = {}
  // Known attrs default to null so `data.x == null` works instead of "No such key".
  for (const a of attrs.dataAttrsOf(ns)) obj[a.label] = null
  Object.assign(obj, entity.attrs, { id: entity.id })
  if (ns === '$users') {
    // A ref value, as in Instant's entity map: the default `$users` rules read it.
    obj['linkedPrimaryUser'] = reader.linked(ns, entity.id, 'linkedPrimaryUser')?.ids[0] ?? null
  }
  return toCelMap(obj, (path) => reader.ref(ns, entity.id, path.split('.')))
}

/** `auth`: the db-format user with `.ref('$user.…')`, or `{ id: null }` for guests. */
export function celAuth(user: DbUser | undefined, reader: GraphReader): CelMap {
  if (!user) return toCelMap({ id: null, email: null })
  return toCelMap({ email: null, ...user }, (path) => {
    const segments = path.split('.')
    if (segments[0] === '$user') segments.shift()
    return reader.ref('$users', user.id, segments)
  })
}
