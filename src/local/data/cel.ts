/**
 * CEL for permission rules, on @marcbachmann/cel-js: one environment, each source compiled once
 * and cached, values converted the way Instant's CEL sees JSON (integers are CEL ints).
 */
import { loadCel } from '../dependencies.js'

/** A compiled rule: evaluates against the variables `auth`, `data`, `newData`, … */
export type CompiledRule = (vars: Record<string, unknown>) => unknown

/** Resolves `x.ref('path')` for a map built by `toCelMap`. */
export type RefResolver = (path: string) => unknown[]

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
export function toCelValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(toCelValue)
  if (v instanceof Date) return v // a CEL timestamp
  if (typeof v === 'object' && v !== null) {
    return nullDefaultMap(Object.entries(v).map(([k, x]) => [k, toCelValue(x)]))
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
  const cache = new Map<string, CompiledRule>()
  return {
    compile(source) {
      let rule = cache.get(source)
      if (!rule) {
        const parsed = env.parse(source)
        rule = (vars) => parsed(vars)
        cache.set(source, rule)
      }
      return rule
    },
  }
}

/** `request`: Instant's `request.time` and `request.modifiedFields` (no ip/origin here). */
export function celRequest(modifiedFields: readonly string[] = []): CelMap {
  return toCelMap({ time: new Date(), ip: null, origin: null, modifiedFields: [...modifiedFields] })
}
