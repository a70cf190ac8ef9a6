/**
 * CEL for permission rules, on @marcbachmann/cel-js: one environment, each source compiled once
 * and cached, values converted the way Instant's CEL sees JSON (integers are CEL ints).
 * `string.matches(re)` runs on RE2 semantics (re2js), as Instant's cel-java does with RE2J:
 * cel-js's own `matches` uses JavaScript's backtracking engine, and a guest-written value can
 * then hang the server under a rule like `data.x.matches('^([a-z]+)+$')`.
 */
import type { RE2JS } from 're2js'
import { loadCel, loadRe2 } from '../dependencies.js'

/** A compiled rule: evaluates against the variables `auth`, `data`, `newData`, … */
export type CompiledRule = (vars: Record<string, unknown>) => unknown

/** Resolves `x.ref('path')` for a map built by `toCelMap`. */
type RefResolver = (path: string) => unknown[]

const refResolvers = new WeakMap<object, RefResolver>()

/** A CEL map value: a real `Map` (cel-js dispatches on the constructor) reading missing keys as null. */
export type CelMap = Map<string, unknown>

function nullDefaultMap(entries: [string, unknown][]): CelMap {
  const map = new Map(entries)
  // Instant's CelMap answers null for absent keys instead of CEL's "no such key" error, so
  // `data.maybe == null` and `ruleParams.x` work when the key is missing. cel-js reads maps
  // through `get`, so overriding it on the instance is enough.
  map.get = (key: string) => (Map.prototype.get.call(map, key) as unknown) ?? null
  return map
}

/** Converts a JSON value for CEL: integral numbers become `bigint` so `data.n + 1` type-checks. */
function toCelValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(toCelValue)
  if (v instanceof Date) return v // a CEL timestamp
  if (typeof v === 'object' && v !== null) {
    return nullDefaultMap(Object.entries(v).map(([k, x]) => [k, toCelValue(x)]))
  }
  return v
}

/** A CEL value back as JSON (ints as numbers, maps as objects), for perms check answers. */
export function fromCelValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (Array.isArray(v)) return v.map(fromCelValue)
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Map.prototype.entries.call(v) as IterableIterator<[string, unknown]>) {
      out[k] = fromCelValue(x)
    }
    return out
  }
  return v
}

/** A CEL map whose `.ref(path)` calls `resolve`. */
export function toCelMap(obj: Record<string, unknown>, resolve?: RefResolver): CelMap {
  const map = toCelValue(obj) as CelMap
  if (resolve) refResolvers.set(map, resolve)
  return map
}

/** The cache of compiled rules; `compile` throws cel-js's ParseError for bad source. */
export interface CelCompiler {
  compile(source: string): CompiledRule
}

/** Builds the environment (expensive, so once per engine) and its compile cache. */
export function createCelCompiler(): CelCompiler {
  const { Environment } = loadCel()
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
  })
    .registerVariable('auth', 'map')
    .registerVariable('data', 'map')
    .registerVariable('newData', 'map')
    .registerVariable('linkedData', 'map')
    .registerVariable('ruleParams', 'map')
    .registerVariable('request', 'map')
    .registerFunction({
      name: 'ref',
      receiverType: 'map',
      returnType: 'list',
      params: [{ name: 'path', type: 'string' }],
      handler: (m: unknown, path: unknown) => {
        const resolve = typeof m === 'object' && m !== null ? refResolvers.get(m) : undefined
        if (!resolve) return []
        return resolve(String(path)).map(toCelValue)
      },
    })
    .registerFunction(`string.${RE2_MATCHES}(string): bool`, (value: unknown, re: unknown) =>
      re2(String(re)).test(String(value)),
    )
  const cache = new Map<string, CompiledRule>()
  return {
    compile(source) {
      let rule = cache.get(source)
      if (!rule) {
        const parsed = env.parse(source)
        useRe2ForMatches(parsed.ast)
        rule = (vars) => parsed(vars)
        cache.set(source, rule)
      }
      return rule
    },
  }
}

/** The name `matches` calls are renamed to; not an identifier a rule would use. */
const RE2_MATCHES = '__instantLocalRe2Matches'

/** Compiled RE2 patterns; bounded, because dynamic patterns may come from data. */
const re2Cache = new Map<string, RE2JS>()
const RE2_CACHE_MAX = 1_000

function re2(pattern: string): RE2JS {
  let compiled = re2Cache.get(pattern)
  if (compiled === undefined) {
    // Throws RE2JSSyntaxException for what RE2 refuses (backreferences, lookaround).
    compiled = loadRe2().RE2JS.compile(pattern)
    if (re2Cache.size >= RE2_CACHE_MAX) re2Cache.clear()
    re2Cache.set(pattern, compiled)
  }
  return compiled
}

interface AstNode {
  op: string
  args: unknown
}

function isAstNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && typeof (v as AstNode).op === 'string'
}

/**
 * Points every `x.matches(re)` of a freshly parsed rule at the RE2 function (cel-js keeps its
 * own `matches` and refuses a second overload). A literal pattern is compiled now, so a pattern
 * RE2 refuses is reported when rules are set, not mid-request.
 */
function useRe2ForMatches(root: unknown): void {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]))
      continue
    }
    if (!isAstNode(node)) continue
    const args = node.args
    if (node.op === 'rcall' && Array.isArray(args) && args[0] === 'matches') {
      args[0] = RE2_MATCHES
      const params = args[2]
      const pattern = Array.isArray(params) && params.length === 1 ? params[0] : undefined
      if (isAstNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string') {
        try {
          re2(pattern.args)
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e)
          throw new Error(`matches(): the pattern is not valid RE2 syntax (${reason})`)
        }
      }
    }
    stack.push(args)
  }
}

/** `request.ip` / `request.origin`: null, except as a perms check's `ip-override` / `origin-override`. */
export interface RequestInfo {
  ip?: string | undefined
  origin?: string | undefined
}

/** `request`: Instant's `request.time`, `request.modifiedFields`, `request.ip`, `request.origin`. */
export function celRequest(modifiedFields: readonly string[] = [], info: RequestInfo = {}): CelMap {
  return toCelMap({
    time: new Date(),
    ip: info.ip ?? null,
    origin: info.origin ?? null,
    modifiedFields: [...modifiedFields],
  })
}
