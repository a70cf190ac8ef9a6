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

/** The object-level actions a rule can allow. */
type RuleAction = 'view' | 'create' | 'update' | 'delete'

/** A rule ready to run. */
export interface Program {
  etype: string
  action: string
  source: string
  run: CompiledRule
}

/** Rules of one engine; replaced wholesale by `setRules`. */
export interface Permissions {
  /** Validates and compiles every rule; throws `validation-failed` for bad rules. */
  setRules(rules: unknown): void
  /** The program for an action, or `undefined` when nothing applies (allowed). */
  program(etype: string, action: RuleAction): Program | undefined
  /** `allow.link.<label>` / `allow.unlink.<label>` when defined on `etype`. */
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
  /** Runs a program; `true` only for a truthy result. CEL errors become 400s. */
  check(program: Program, vars: Record<string, unknown>): boolean
  /**
   * The literal `ref` paths the rules of `etype` (and `$default`, binds included) read:
   * `data.ref('a.b.c')` / `newData.ref(...)` from an `etype` entity, `auth.ref('$user.a.b')`
   * from the signed-in user. Reactivity uses them to know which writes can change a view.
   */
  refPaths(etype: string): readonly RefPath[]
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

/** Creates the rule set over a CEL compiler. */
export function createPermissions(cel: CelCompiler): Permissions {
  let rules: RulesJson = {}
  const programs = new Map<string, Program | null>()

  /** etype → the ref paths its rules read; emptied with the rules. */
  const refPathCache = new Map<string, RefPath[]>()
  // Built programs by (etype, action, code): bind expansion runs once per rule.
  const built = new Map<string, Program>()

  function build(etype: string, action: string, expr: unknown): Program {
    const code = String(expr)
    const k = [etype, action, code].join('\u0000')
    const hit = built.get(k)
    if (hit) return hit
    const source = withBinds(code, bindsOf(rules, etype))
    let program: Program
    try {
      program = { etype, action, source: code, run: cel.compile(source) }
    } catch (e) {
      const message = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)
      throw validationError('permission', [etype, 'allow', action], [{ message }])
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
        program = build(etype, action, expr)
        break
      }
    }
    if (!program) {
      const fallback = fallbackSource(etype, action)
      if (fallback !== undefined) program = build(etype, action, fallback)
    }
    programs.set(k, program)
    return program
  }

  return {
    setRules(input) {
      // The CLI and HTTP callers may hand over the rules file's text.
      const next: unknown = typeof input === 'string' ? JSON.parse(input) : input
      const parsed: RulesJson = next === undefined || next === null ? {} : (next as RulesJson)
      if (!isRecord(parsed))
        throw validationError('permission', next, [{ message: 'Rules must be an object.' }])
      const previous = rules
      rules = parsed
      refPathCache.clear()
      programs.clear()
      built.clear()
      try {
        // Compile everything now so a typo is reported when rules are set, not mid-request.
        for (const [etype, entry] of Object.entries(parsed)) {
          if (!isRecord(entry)) continue
          const fields = isRecord(entry['fields']) ? entry['fields'] : {}
          for (const [field, expr] of Object.entries(fields)) {
            if (field === 'id') {
              throw validationError(
                'permission',
                [etype, 'fields', field],
                [
                  {
                    message: `You cannot set field rules for \`id\`. Use ${etype} -> allow -> view instead`,
                  },
                ],
              )
            }
            build(etype, 'view', expr)
          }
          const allow = isRecord(entry['allow']) ? entry['allow'] : {}
          for (const [action, expr] of Object.entries(allow)) {
            if (isRecord(expr)) {
              for (const [label, e] of Object.entries(expr)) build(etype, `${action}.${label}`, e)
            } else if (typeof expr === 'string' || typeof expr === 'boolean') {
              build(etype, action, expr)
            }
          }
        }
      } catch (e) {
        rules = previous
        programs.clear()
        built.clear()
        throw e
      }
    },
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
      const expr = table[label]
      if (typeof expr !== 'string' && typeof expr !== 'boolean') return undefined
      return build(etype, kind, expr)
    },
    signupProgram() {
      const expr = rules['$users']?.allow?.['create']
      if (typeof expr !== 'string' && typeof expr !== 'boolean') return undefined
      return build('$users', 'create', expr)
    },
    fieldProgram(etype, field) {
      const expr = rules[etype]?.fields?.[field]
      if (typeof expr !== 'string' && typeof expr !== 'boolean') return undefined
      return build(etype, 'view', expr)
    },
    hasFieldRules: (etype) =>
      isRecord(rules[etype]?.fields) && Object.keys(rules[etype]?.fields ?? {}).length > 0,
    check(program, vars) {
      let result: unknown
      try {
        result = program.run(vars)
      } catch (e) {
        throw permissionEvaluationFailed(program.etype, program.action, e)
      }
      // Clojure truthiness, as permissioned_transaction.clj uses `(boolean result)`.
      return result !== false && result !== null && result !== undefined
    },
  }
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
