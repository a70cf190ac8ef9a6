/**
 * Minimal structural types for the object `i.schema(...)` returns (from `@instantdb/admin` or
 * `@instantdb/core`), and the query-result and transaction types derived from it.
 *
 * They are our own so the published `.d.ts` never imports `@instantdb/core`. What they capture:
 * namespace names, attribute names (required or optional), link names, their target namespace
 * and cardinality. Attribute *value* types are `unknown`: the SDK keeps them in a phantom
 * generic of its `DataAttrDef` class, which no structural type can read back.
 */

/** One attribute definition, e.g. `i.string().indexed()`. */
export type AttrDefLike = {
  valueType: string
  required: boolean
  config: { indexed: boolean; unique: boolean }
}

/** One link as seen from an entity, e.g. `{ entityName: 'todos', cardinality: 'many' }`. */
export type LinkAttrDefLike = {
  entityName: string
  cardinality: 'one' | 'many'
}

/** One namespace definition, e.g. `i.entity({ title: i.string() })` once links are resolved. */
export type EntityDefLike = {
  attrs: { [attr: string]: AttrDefLike }
  links: { [link: string]: LinkAttrDefLike }
}

/** What `init({ schema })` accepts: the object `i.schema({ entities, links, rooms })` returns. */
export type SchemaLike = {
  entities: { [namespace: string]: EntityDefLike }
}

/** Rule params sent with a query or a transaction (`ruleParams` in Instant's rules). */
export type RuleParams = { [key: string]: unknown }

/** The `$` clause of a query node: where, order, limit, fields... (checked by the server). */
export type QueryClause = {
  where?: { [path: string]: unknown }
  order?: { [attr: string]: 'asc' | 'desc' }
  limit?: number
  first?: number
  last?: number
  offset?: number
  before?: unknown
  after?: unknown
  fields?: readonly string[]
  [option: string]: unknown
}

type Entities<S extends SchemaLike> = S['entities']
type LinksOf<S extends SchemaLike, NS> = NS extends keyof Entities<S>
  ? Entities<S>[NS]['links']
  : never
type AttrsOf<S extends SchemaLike, NS> = NS extends keyof Entities<S>
  ? Entities<S>[NS]['attrs']
  : never

/** A query node for namespace `NS`, with only the links `NS` has. */
type ValidNode<N, S extends SchemaLike, NS> = {
  [K in keyof N]: K extends '$'
    ? QueryClause
    : K extends keyof LinksOf<S, NS>
      ? ValidNode<N[K], S, LinksOf<S, NS>[K]['entityName']>
      : never
}

/**
 * Constrains a query to the schema: a misspelt namespace or link becomes `never` and fails to
 * compile. Without a schema any namespace is accepted.
 */
export type ValidQuery<Q, S extends SchemaLike | undefined> = S extends SchemaLike
  ? {
      [K in keyof Q]: K extends '$$ruleParams'
        ? RuleParams
        : K extends keyof Entities<S>
          ? ValidNode<Q[K], S, K>
          : never
    }
  : { [namespace: string]: unknown }

type Expand<T> = T extends infer O ? { [K in keyof O]: O[K] } : never

type RequiredAttrs<A> = { [K in keyof A]: A[K] extends { required: true } ? K : never }[keyof A]

type AttrValues<A> = { [K in RequiredAttrs<A>]: unknown } & {
  [K in Exclude<keyof A, RequiredAttrs<A>>]?: unknown
}

/** One entity row of a query result for namespace `NS` queried with node `N`. */
export type EntityRow<S extends SchemaLike, NS, N> = Expand<
  { id: string } & AttrValues<AttrsOf<S, NS>> & {
      [L in keyof N & keyof LinksOf<S, NS>]: LinksOf<S, NS>[L] extends {
        cardinality: 'one'
        entityName: infer T
      }
        ? EntityRow<S, T, N[L]> | null | undefined
        : EntityRow<S, LinksOf<S, NS>[L]['entityName'], N[L]>[]
    }
>

/** A row when no schema is given: `id` plus whatever attributes and links came back. */
export type UntypedRow = { id: string; [attrOrLink: string]: unknown }

/**
 * What `db.query(q)` resolves to: each requested namespace maps to an array of rows.
 * With a schema, has-one links are a single row or `null` (the SDK's `inference?: true`).
 */
export type QueryResult<S extends SchemaLike | undefined, Q> = S extends SchemaLike
  ? { [K in keyof Q & keyof Entities<S>]: EntityRow<S, K, Q[K]>[] }
  : { [K in Exclude<keyof Q, '$$ruleParams'>]: UntypedRow[] }

/** Arguments of `update`/`create`/`merge`: the namespace's attributes (values unchecked). */
export type UpdateParams<S extends SchemaLike | undefined, NS> = S extends SchemaLike
  ? { [K in keyof AttrsOf<S, NS>]?: unknown }
  : { [attr: string]: unknown }

/** Arguments of `link`/`unlink`: link label to one id (or lookup) or many. */
export type LinkParams<S extends SchemaLike | undefined, NS> = S extends SchemaLike
  ? { [K in keyof LinksOf<S, NS>]?: string | readonly string[] }
  : { [link: string]: string | readonly string[] }
