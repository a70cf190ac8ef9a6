import { isLookup, parseLookup } from './lookup.js'
import type { LinkParams, RuleParams, SchemaLike, UpdateParams } from './schema-types.js'

/** Actions a transaction step can carry. */
export type TxAction = 'create' | 'update' | 'merge' | 'link' | 'unlink' | 'delete' | 'ruleParams'

/** Options of `update` and `merge`: `{ upsert: false }` makes an update strict. */
export type UpdateOpts = { upsert?: boolean | undefined }

/** An entity id on the wire: a UUID string, or `[attr, value]` for a lookup. */
export type TxEntityId = string | [string, unknown]

/** One step as sent to Instant: `[action, namespace, id, args]` or `[..., opts]`. */
export type TxStep =
  [TxAction, string, TxEntityId, unknown] | [TxAction, string, TxEntityId, unknown, UpdateOpts]

/**
 * A chain of steps on one entity, built by `db.tx.<ns>[<id>]`. Every method returns a new
 * chunk (the old one is unchanged). `__ops` has the same shape as the SDK's, so chunks from
 * `@instantdb/admin` can be passed to this client's `transact` and the other way round.
 */
export interface TransactionChunk<S extends SchemaLike | undefined = undefined, NS = string> {
  readonly __ops: TxStep[]
  readonly __etype: NS
  /** Creates the entity; the transaction fails if it exists. */
  create(args: UpdateParams<S, NS>): TransactionChunk<S, NS>
  /** Upserts attributes; `{ upsert: false }` fails when the entity does not exist. */
  update(args: UpdateParams<S, NS>, opts?: UpdateOpts): TransactionChunk<S, NS>
  /** Deep-merges JSON values into the entity. */
  merge(args: UpdateParams<S, NS>, opts?: UpdateOpts): TransactionChunk<S, NS>
  /** Links this entity to others by label: `{ todos: id }` or `{ todos: [id1, id2] }`. */
  link(args: LinkParams<S, NS>): TransactionChunk<S, NS>
  /** Removes links, same arguments as `link`. */
  unlink(args: LinkParams<S, NS>): TransactionChunk<S, NS>
  /** Deletes the entity and its links (`null` in the step's args slot). */
  delete(): TransactionChunk<S, NS>
  /** Rule params for this transaction's permission checks. */
  ruleParams(args: RuleParams): TransactionChunk<S, NS>
}

/** `db.tx.<ns>`: index it with an id or a `lookup(...)`, or call `.lookup(attr, value)`. */
export type NamespaceChunks<S extends SchemaLike | undefined, NS> = {
  [entityId: string]: TransactionChunk<S, NS>
} & {
  lookup(attribute: string, value: unknown): TransactionChunk<S, NS>
}

/** `db.tx`: one {@link NamespaceChunks} per namespace of the schema (any name without one). */
export type TxBuilder<S extends SchemaLike | undefined = undefined> = S extends SchemaLike
  ? { [NS in keyof S['entities'] & string]: NamespaceChunks<S, NS> }
  : { [namespace: string]: NamespaceChunks<undefined, string> }

/** Anything `transact` accepts: our chunks, the SDK's chunks, or an array of them. */
export type TransactInput =
  { readonly __ops: readonly unknown[] } | readonly { readonly __ops: readonly unknown[] }[]

class Chunk {
  readonly __ops: TxStep[]
  readonly __etype: string
  readonly #id: TxEntityId

  constructor(etype: string, entityId: TxEntityId, ops: TxStep[]) {
    this.__etype = etype
    this.#id = entityId
    this.__ops = ops
  }

  #add(action: TxAction, args: unknown, opts: UpdateOpts | undefined): Chunk {
    const step: TxStep = opts
      ? [action, this.__etype, this.#id, args, opts]
      : [action, this.__etype, this.#id, args]
    return new Chunk(this.__etype, this.#id, [...this.__ops, step])
  }

  create(args: unknown): Chunk {
    return this.#add('create', args, undefined)
  }
  update(args: unknown, opts?: UpdateOpts): Chunk {
    return this.#add('update', args, opts)
  }
  merge(args: unknown, opts?: UpdateOpts): Chunk {
    return this.#add('merge', args, opts)
  }
  link(args: unknown): Chunk {
    return this.#add('link', args, undefined)
  }
  unlink(args: unknown): Chunk {
    return this.#add('unlink', args, undefined)
  }
  delete(): Chunk {
    return this.#add('delete', undefined, undefined)
  }
  ruleParams(args: unknown): Chunk {
    return this.#add('ruleParams', args, undefined)
  }
}

function namespaceChunks(etype: string): unknown {
  const lookupChunk = (attribute: string, value: unknown) =>
    new Chunk(etype, [attribute, value], [])
  return new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined
      if (key === 'lookup') return lookupChunk
      return new Chunk(etype, isLookup(key) ? parseLookup(key) : key, [])
    },
  })
}

/**
 * Creates a transaction builder. `db.tx` is one typed by the client's schema; the exported
 * {@link tx} is an untyped one.
 *
 * @example
 * ```ts
 * const t = createTx()
 * t.goals[id()].update({ title: 'Get fit' }).link({ todos: todoId })
 * ```
 */
export function createTx<S extends SchemaLike | undefined = undefined>(): TxBuilder<S> {
  const cache = new Map<string, unknown>()
  return new Proxy(Object.create(null) as object, {
    get(_target, namespace) {
      if (typeof namespace !== 'string') return undefined
      let chunks = cache.get(namespace)
      if (chunks === undefined) {
        chunks = namespaceChunks(namespace)
        cache.set(namespace, chunks)
      }
      return chunks
    },
  }) as TxBuilder<S>
}

/**
 * An untyped transaction builder, like `@instantdb/admin`'s `tx`. Prefer `db.tx`, which is
 * typed by the client's schema.
 *
 * @example
 * ```ts
 * await db.transact([tx.goals[id()].update({ title: 'Get fit' })])
 * ```
 */
export const tx: TxBuilder = createTx()

/** Flattens chunks (one or an array) into the `steps` array, in order. */
export function stepsOf(input: TransactInput): unknown[] {
  const chunks: readonly { readonly __ops: readonly unknown[] }[] = Array.isArray(input)
    ? input
    : [input as { readonly __ops: readonly unknown[] }]
  const steps: unknown[] = []
  for (const chunk of chunks) {
    if (typeof chunk !== 'object' || chunk === null || !Array.isArray(chunk.__ops)) {
      throw new TypeError(
        'transact() takes chunks built with db.tx, e.g. db.transact([db.tx.goals[id()].update({ title })]).',
      )
    }
    for (const op of chunk.__ops) steps.push(op)
  }
  return steps
}
