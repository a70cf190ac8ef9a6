/**
 * The fan-out of the realtime sessions: after each commit (coalesced until the current handler
 * returns), which live queries it may change, recomputing those and pushing `refresh-ok` (and
 * new attrs) to their sessions. The rest of the hub talks to it only through `FanOut`: a query
 * followed or dropped, a session's own write, the attrs a session was sent.
 */
import type { Caller } from '../data/caller.js'
import type { ClientAttr, Commit, DataEngine } from '../data/index.js'
import { LocalInstantError } from '../errors.js'
import type { SessionLimits } from './limits.js'
import type { LocalInstantLogger } from '../server.js'
import { namespacesOf, runInstaql, type InstaqlResult } from './query-result.js'
import type { LiveQuery, Session } from './session.js'
import { entitiesOf, mayMatch, topicOf } from './topics.js'
import { unexpectedError } from './unexpected.js'

export interface FanOutOptions {
  engine: DataEngine
  /** The open sessions, read on every flush; the hub adds and removes them. */
  sessions: ReadonlySet<Session>
  /** `$users` changed; called before any result is recomputed, so they see the new users. */
  usersChanged(): void
  logger: LocalInstantLogger
  limits: Pick<SessionLimits, 'maxLiveResultBytes'>
}

export interface FanOut {
  /**
   * `s` follows `q` from now on (`key` is its JSON); `result` (encoded: `json`) is the first
   * one, sent by the caller.
   */
  follow(s: Session, key: string, q: unknown, result: InstaqlResult, json: string): void
  /** `s` no longer follows the query whose JSON is `key`. */
  unfollow(s: Session, key: string): void
  /** `s` ended: its live queries and pending work go. */
  forget(s: Session): void
  /** Live-query results recomputed since the start. */
  recomputations(): number
  /** `s` committed `txId`: its next `refresh-ok` confirms it, even when no result changed. */
  wrote(s: Session, txId: number): void
  /** The client attrs now; a later `refresh-ok` carries attrs only when they differ from these. */
  currentAttrs(): ClientAttr[]
  /** Stops listening for commits. */
  close(): void
}

/** Builds the fan-out and subscribes it to the engine's commits. */
export function createFanOut(options: FanOutOptions): FanOut {
  const { engine, sessions, logger, limits } = options
  let pending:
    | {
        txId: number
        namespaces: Set<string> | 'all'
        /** Entities written per namespace; undefined once a commit named none. */
        entities: Map<string, Set<string> | 'any'> | undefined
        attrsChanged: boolean
      }
    | undefined
  let lastAttrsJson = ''
  let recomputations = 0

  const unsubscribe = engine.session.subscribe(onCommit)

  function onCommit(commit: Commit): void {
    if (pending === undefined) {
      pending = {
        txId: commit.txId,
        namespaces: new Set(),
        entities: new Map(),
        attrsChanged: false,
      }
      // After the current handler: `transact-ok` goes out before the `refresh-ok` it causes.
      queueMicrotask(flush)
    }
    pending.txId = Math.max(pending.txId, commit.txId)
    pending.attrsChanged ||= commit.attrsChanged
    if (commit.namespaces === 'all' || pending.namespaces === 'all') pending.namespaces = 'all'
    else for (const ns of commit.namespaces) pending.namespaces.add(ns)
    if (commit.entities === undefined || pending.entities === undefined) {
      pending.entities = undefined
    } else {
      for (const [ns, ids] of commit.entities) {
        const seen = pending.entities.get(ns)
        if (ids === 'any' || seen === 'any') pending.entities.set(ns, 'any')
        else if (seen === undefined) pending.entities.set(ns, new Set(ids))
        else for (const id of ids) seen.add(id)
      }
    }
  }

  /**
   * Whether a commit that wrote `namespaces` (and `entities`, when known) can change `live`:
   * by namespace, then, for a query with a topic, by the entities written.
   */
  function affects(
    live: LiveQuery,
    namespaces: ReadonlySet<string>,
    entities: ReadonlyMap<string, ReadonlySet<string> | 'any'> | undefined,
    readEntity: (ns: string, id: string) => Readonly<Record<string, unknown>> | undefined,
  ): boolean {
    if (!wroteAny(namespaces, live.namespaces)) return false
    const { topic } = live
    if (topic === undefined || entities === undefined || live.entities === undefined) return true
    for (const ns of namespaces) if (ns !== topic.ns && live.namespaces.has(ns)) return true
    const ids = entities.get(topic.ns)
    if (ids === undefined || ids === 'any') return true
    for (const id of ids) {
      if (live.entities.has(id) || mayMatch(topic, id, readEntity(topic.ns, id))) return true
    }
    return false
  }

  function currentAttrs(): { attrs: ClientAttr[]; changed: boolean } {
    const attrs = engine.session.clientAttrs()
    const json = JSON.stringify(attrs)
    const changed = json !== lastAttrsJson
    lastAttrsJson = json
    return { attrs, changed }
  }

  function flush(): void {
    const commit = pending
    pending = undefined
    if (commit === undefined || sessions.size === 0) return
    const { namespaces, txId, entities } = commit
    // Each written entity is read once per flush, whatever the number of queries judging it.
    const read = new Map<string, Readonly<Record<string, unknown>> | undefined>()
    const readEntity = (ns: string, id: string) => {
      const key = `${ns}\u0000${id}`
      if (read.has(key)) return read.get(key)
      const attrs = engine.session.entityAttrs(ns, id)
      read.set(key, attrs)
      return attrs
    }
    const newNamespace =
      namespaces !== 'all' &&
      [...namespaces].some((ns) => engine.session.attrs.data(ns, 'id') === undefined)
    let attrs: ClientAttr[] | undefined
    if (commit.attrsChanged || newNamespace || namespaces === 'all') {
      const current = currentAttrs()
      if (current.changed) attrs = current.attrs
    }
    if (namespaces === 'all' || namespaces.has('$users')) options.usersChanged()
    // Sessions of one user (or all guests) share a recomputed result within a flush.
    const memo = new Map<string, { result: InstaqlResult; json: string } | LocalInstantError>()
    // New rules or attrs can change what a query's rules and paths read: its namespaces are
    // recomputed then (only then), once per query however many sessions hold it.
    const rescan = namespaces === 'all' || commit.attrsChanged
    const rescanned = new Map<string, Set<string>>()
    // Pre-encoded once: the same attrs go to every session.
    const attrsJson = attrs === undefined ? '' : `,"attrs":${JSON.stringify(attrs)}`
    for (const s of sessions) {
      if (s.caller === undefined) continue
      // Each computation is `{"instaql-query": q, "instaql-result": r}`, spliced from the JSON
      // already at hand (the query's key is its JSON), so a fan-out to many sessions of the same
      // query encodes its result once, not once per session.
      const computations: string[] = []
      const own = s.ownTx > 0 && s.ownTx <= txId
      for (const [key, live] of s.queries) {
        if (rescan) {
          let reads = rescanned.get(key)
          if (reads === undefined) {
            reads = namespacesOf(engine, live.q)
            rescanned.set(key, reads)
          }
          live.namespaces = reads
          retopic(live)
        }
        if (
          namespaces === 'all' ||
          affects(live, namespaces, rescan ? undefined : entities, readEntity)
        ) {
          const memoKey = `${callerKey(s.caller)}\u0000${key}`
          let fresh = memo.get(memoKey)
          if (fresh === undefined) {
            try {
              // The query's size was checked at subscribe; its key is that JSON.
              recomputations++
              const result = runInstaql(engine, live.q, s.caller, key.length)
              fresh = { result, json: JSON.stringify(result) }
            } catch (err) {
              fresh = err instanceof LocalInstantError ? err : unexpectedError(logger, err)
            }
            memo.set(memoKey, fresh)
          }
          if (fresh instanceof LocalInstantError) continue
          if (fresh.json !== live.json) {
            if (s.liveBytes - live.json.length + fresh.json.length > limits.maxLiveResultBytes) {
              tooLarge(s, key, live.q)
              continue
            }
            s.liveBytes += fresh.json.length - live.json.length
            live.result = fresh.result
            live.json = fresh.json
            if (live.topic !== undefined) live.entities = entitiesOf(fresh.result)
            computations.push(`{"instaql-query":${key},"instaql-result":${live.json}}`)
            continue
          }
        }
        // The writer's other queries confirm its tx too, or the SDK keeps its pending write.
        if (own) computations.push(`{"instaql-query":${key},"instaql-result":${live.json}}`)
      }
      if (own) s.ownTx = 0
      if (computations.length === 0 && attrs === undefined) continue
      s.sendText(
        `{"op":"refresh-ok","processed-tx-id":${txId},"computations":[${computations.join(',')}]${attrsJson}}`,
      )
    }
  }

  /** New attrs or rules: whether (and how) the query has a topic may have changed. */
  function retopic(live: LiveQuery): void {
    live.topic = topicOf(engine, live.q)
    live.entities = live.topic === undefined ? undefined : entitiesOf(live.result)
  }

  /** A recomputed result took `s` over `maxLiveResultBytes`: the query is dropped, with an error. */
  function tooLarge(s: Session, key: string, q: unknown): void {
    const live = s.queries.get(key)
    if (live === undefined) return
    s.queries.delete(key)
    s.liveBytes -= live.json.length
    s.send({
      op: 'error',
      status: 400,
      type: 'validation-failed',
      message: `The live results of this session would exceed ${limits.maxLiveResultBytes} bytes; the query was dropped.`,
      hint: { 'max-live-result-bytes': limits.maxLiveResultBytes },
      'original-event': { op: 'add-query', q },
    })
  }

  return {
    follow(s, key, q, result, json) {
      const topic = topicOf(engine, q)
      s.queries.set(key, {
        q,
        namespaces: namespacesOf(engine, q),
        topic,
        entities: topic === undefined ? undefined : entitiesOf(result),
        result,
        json,
      })
      s.liveBytes += json.length
    },
    unfollow(s, key) {
      const live = s.queries.get(key)
      if (live === undefined) return
      s.queries.delete(key)
      s.liveBytes -= live.json.length
    },
    forget(s) {
      s.queries.clear()
      s.liveBytes = 0
    },
    recomputations: () => recomputations,
    wrote(s, txId) {
      s.ownTx = Math.max(s.ownTx, txId)
    },
    currentAttrs: () => currentAttrs().attrs,
    close: unsubscribe,
  }
}

/** Whether a commit wrote a namespace a query reads (a commit writes few: loop over those). */
function wroteAny(written: ReadonlySet<string>, reads: ReadonlySet<string>): boolean {
  for (const ns of written) if (reads.has(ns)) return true
  return false
}

function callerKey(caller: Caller): string {
  return caller.kind === 'user' ? `user:${caller.user.id}` : caller.kind
}
