/**
 * The fan-out of the realtime sessions: after each commit (coalesced until the current handler
 * returns), which live queries it may change, recomputing those and pushing `refresh-ok` (and
 * new attrs) to their sessions. The rest of the hub talks to it only through `FanOut`: a query
 * followed or dropped, a session's own write, the attrs a session was sent.
 *
 * Which queries: live queries are indexed by the namespaces they read and, when they have a
 * topic (topics.ts), by the value their filter needs and the entities of their result, so a
 * commit looks up its candidates instead of judging every query.
 *
 * The work never holds the event loop for long: sessions with dirty queries take turns
 * (round-robin) recomputing them, in slices of about {@link SLICE_MS} that yield to the event
 * loop between them, each session spending at most {@link TURN_MS} per turn, so one session's
 * thousand queries delay another's push, or an HTTP request, by a slice at most. A query dirtied
 * by several commits before its turn is recomputed once. A session's `refresh-ok` goes out once
 * its dirty set is empty, with every result current.
 */
import type { Caller } from '../data/caller.js'
import type { ClientAttr, Commit, DataEngine } from '../data/index.js'
import { LocalInstantError } from '../errors.js'
import type { LocalInstantLogger } from '../server.js'
import type { SessionLimits } from './limits.js'
import { namespacesOf, runInstaql, type InstaqlResult } from './query-result.js'
import type { LiveQuery, Session } from './session.js'
import { entitiesOf, mayMatch, topicOf, valueKey } from './topics.js'
import { unexpectedError } from './unexpected.js'

/** Longest stretch of fan-out work before yielding to the event loop (one query may pass it). */
const SLICE_MS = 10
/** A session's cost budget per turn: then the next session's turn comes. */
const TURN_MS = 3

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
  /** `s` committed `txId`: its next `refresh-ok` confirms it, even when no result changed. */
  wrote(s: Session, txId: number): void
  /** The client attrs now; a later `refresh-ok` carries attrs only when they differ from these. */
  currentAttrs(): ClientAttr[]
  /** Live-query results recomputed since the start. */
  recomputations(): number
  /** Stops listening for commits. */
  close(): void
}

/** A session's pending fan-out work. */
interface Work {
  /** Keys of the live queries to recompute. */
  dirty: Set<string>
  /** Computations to send, by query key: `{"instaql-query":…,"instaql-result":…}`. */
  out: Map<string, string>
  attrsJson: string | undefined
  /**
   * New attrs or rules since its last turn: its queries' namespaces and topics are worked out
   * again, and those reading what was written (`'all'`: every one) recomputed.
   */
  rescan: Set<string> | 'all' | undefined
}

/** Live queries by a string key (a namespace, a value, an entity). */
class LiveIndex {
  private readonly map = new Map<string, Set<LiveQuery>>()
  add(key: string, live: LiveQuery): void {
    const set = this.map.get(key)
    if (set === undefined) this.map.set(key, new Set([live]))
    else set.add(live)
  }
  delete(key: string, live: LiveQuery): void {
    const set = this.map.get(key)
    if (set?.delete(live) && set.size === 0) this.map.delete(key)
  }
  get(key: string): ReadonlySet<LiveQuery> | undefined {
    return this.map.get(key)
  }
}

const entityKey = (ns: string, id: string): string => `${ns}\u0000${id}`

/** Builds the fan-out and subscribes it to the engine's commits. */
export function createFanOut(options: FanOutOptions): FanOut {
  const { engine, sessions, logger, limits } = options
  let pending:
    | {
        namespaces: Set<string> | 'all'
        entities: Map<string, Set<string> | 'any'> | undefined
        attrsChanged: boolean
      }
    | undefined
  let lastAttrsJson = ''
  let recomputations = 0
  let latestTxId = 0
  /** Queries by each namespace they read (a topic's own namespace aside). */
  const byNs = new LiveIndex()
  /** Queries with a topic, by its namespace: all of them, for a write naming no entities. */
  const byTopicNs = new LiveIndex()
  /** Queries with a topic, by the value their first clause needs. */
  const byValue = new LiveIndex()
  /** Queries with a topic, by each entity of their result. */
  const byEntity = new LiveIndex()
  const works = new Map<Session, Work>()
  /** Sessions with work, in turn order (a `Set` keeps insertion order: re-adding moves to the end). */
  const queue = new Set<Session>()
  /** Sessions that wrote since the last flush: their next `refresh-ok` confirms the write. */
  const writers = new Set<Session>()
  let sliceScheduled = false
  /** Results shared by sessions of one caller, valid until the next commit. */
  let memo = new Map<string, { result: InstaqlResult; json: string } | LocalInstantError>()
  /** Namespaces of a query key after new attrs or rules, shared by the sessions holding it. */
  let rescanned = new Map<string, Set<string>>()

  const unsubscribe = engine.session.subscribe(onCommit)

  function onCommit(commit: Commit): void {
    latestTxId = Math.max(latestTxId, commit.txId)
    if (pending === undefined) {
      pending = { namespaces: new Set(), entities: new Map(), attrsChanged: false }
      // After the current handler: `transact-ok` goes out before the `refresh-ok` it causes.
      queueMicrotask(flush)
    }
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

  function currentAttrs(): { attrs: ClientAttr[]; changed: boolean } {
    const attrs = engine.session.clientAttrs()
    const json = JSON.stringify(attrs)
    const changed = json !== lastAttrsJson
    lastAttrsJson = json
    return { attrs, changed }
  }

  function workOf(s: Session): Work {
    let w = works.get(s)
    if (w === undefined) {
      w = { dirty: new Set(), out: new Map(), attrsJson: undefined, rescan: undefined }
      works.set(s, w)
    }
    return w
  }

  function index(live: LiveQuery): void {
    const { topic } = live
    for (const ns of live.namespaces) if (ns !== topic?.ns) byNs.add(ns, live)
    if (topic === undefined) return
    byTopicNs.add(topic.ns, live)
    byValue.add(topic.indexKey, live)
    for (const id of live.entities ?? []) byEntity.add(entityKey(topic.ns, id), live)
  }

  function unindex(live: LiveQuery): void {
    const { topic } = live
    for (const ns of live.namespaces) if (ns !== topic?.ns) byNs.delete(ns, live)
    if (topic === undefined) return
    byTopicNs.delete(topic.ns, live)
    byValue.delete(topic.indexKey, live)
    for (const id of live.entities ?? []) byEntity.delete(entityKey(topic.ns, id), live)
  }

  function dirty(live: LiveQuery): void {
    const s = live.owner
    if (s.ended || s.caller === undefined) return
    workOf(s).dirty.add(live.key)
    queue.add(s)
  }

  function dirtyAll(lives: ReadonlySet<LiveQuery> | undefined): void {
    if (lives !== undefined) for (const live of lives) dirty(live)
  }

  /** Marks the queries a commit that wrote `namespaces` (and `entities`) can change. */
  function mark(
    namespaces: ReadonlySet<string>,
    entities: ReadonlyMap<string, ReadonlySet<string> | 'any'> | undefined,
  ): void {
    for (const ns of namespaces) {
      dirtyAll(byNs.get(ns))
      const ids = entities?.get(ns)
      if (ids === undefined || ids === 'any') {
        dirtyAll(byTopicNs.get(ns))
        continue
      }
      // Only a topic query of `ns` can be entered by a written entity: without one, no entity
      // needs loading.
      const topical = (byTopicNs.get(ns)?.size ?? 0) > 0
      for (const id of ids) {
        // In a result now: it may leave it, or change in it.
        dirtyAll(byEntity.get(entityKey(ns, id)))
        if (!topical) continue
        const attrs = engine.session.entityAttrs(ns, id)
        if (attrs === undefined) continue
        // Matching a filter now: it may enter that result.
        const candidates = [byValue.get(valueKey(ns, 'id', id))]
        for (const [label, value] of Object.entries(attrs)) {
          candidates.push(byValue.get(valueKey(ns, label, value)))
        }
        for (const lives of candidates) {
          for (const live of lives ?? []) {
            if (live.topic !== undefined && mayMatch(live.topic, id, attrs)) dirty(live)
          }
        }
      }
    }
  }

  /** Marks the queries the coalesced commits can change, and starts recomputing them. */
  function flush(): void {
    const commit = pending
    pending = undefined
    if (commit === undefined) return
    const { namespaces } = commit
    const newNamespace =
      namespaces !== 'all' &&
      [...namespaces].some((ns) => engine.session.attrs.data(ns, 'id') === undefined)
    let attrsJson: string | undefined
    if (sessions.size > 0 && (commit.attrsChanged || newNamespace || namespaces === 'all')) {
      const current = currentAttrs()
      // Encoded once: the same attrs go to every session.
      if (current.changed) attrsJson = `,"attrs":${JSON.stringify(current.attrs)}`
    }
    if (namespaces === 'all' || namespaces.has('$users')) options.usersChanged()
    memo = new Map()
    const rescan = namespaces === 'all' || commit.attrsChanged
    if (rescan || attrsJson !== undefined) {
      rescanned = new Map()
      for (const s of sessions) {
        if (s.caller === undefined || s.ended) continue
        const w = workOf(s)
        if (attrsJson !== undefined) w.attrsJson = attrsJson
        if (rescan) {
          if (namespaces === 'all' || w.rescan === 'all') w.rescan = 'all'
          else w.rescan = new Set([...(w.rescan ?? []), ...namespaces])
        }
        queue.add(s)
      }
    }
    if (!rescan) mark(namespaces as ReadonlySet<string>, commit.entities)
    for (const s of writers) if (!s.ended && s.caller !== undefined) queue.add(s)
    writers.clear()
    runSlice()
  }

  function schedule(): void {
    if (sliceScheduled || queue.size === 0) return
    sliceScheduled = true
    setImmediate(() => {
      sliceScheduled = false
      runSlice()
    })
  }

  /** Turns of queued sessions until the slice's time is up; then yields, if work is left. */
  function runSlice(): void {
    const start = performance.now()
    while (queue.size > 0 && performance.now() - start < SLICE_MS) {
      const s = queue.values().next().value as Session
      queue.delete(s)
      if (s.ended || s.caller === undefined) continue
      if (!turn(s, start)) queue.add(s)
    }
    if (queue.size === 0) {
      memo = new Map()
      rescanned = new Map()
    } else {
      schedule()
    }
  }

  /** One turn of `s`: recomputes its dirty queries within its budget; true when it is done. */
  function turn(s: Session, sliceStart: number): boolean {
    const w = workOf(s)
    if (w.rescan !== undefined) rescan(s, w, w.rescan)
    const caller = s.caller as Caller
    const turnStart = performance.now()
    for (const key of w.dirty) {
      // A client that does not read gets nothing more computed: its session ends.
      if (s.backlogged()) return true
      const now = performance.now()
      if (now - turnStart >= TURN_MS || now - sliceStart >= SLICE_MS) return false
      w.dirty.delete(key)
      const live = s.queries.get(key)
      if (live !== undefined) recompute(s, w, caller, live)
    }
    send(s, w)
    return true
  }

  /** New attrs or rules: every query of `s` is indexed afresh; those written are dirty. */
  function rescan(s: Session, w: Work, written: ReadonlySet<string> | 'all'): void {
    w.rescan = undefined
    for (const [key, live] of s.queries) {
      unindex(live)
      let reads = rescanned.get(key)
      if (reads === undefined) {
        reads = namespacesOf(engine, live.q)
        rescanned.set(key, reads)
      }
      live.namespaces = reads
      live.topic = topicOf(engine, live.q)
      live.entities = live.topic === undefined ? undefined : entitiesOf(live.result)
      index(live)
      if (written === 'all' || wroteAny(written, reads)) w.dirty.add(key)
    }
  }

  function recompute(s: Session, w: Work, caller: Caller, live: LiveQuery): void {
    const { key } = live
    const memoKey = `${callerKey(caller)}\u0000${key}`
    let fresh = memo.get(memoKey)
    if (fresh === undefined) {
      try {
        recomputations++
        // The query's size was checked at subscribe; its key is that JSON.
        const result = runInstaql(engine, live.q, caller, key.length)
        fresh = { result, json: JSON.stringify(result) }
      } catch (err) {
        fresh = err instanceof LocalInstantError ? err : unexpectedError(logger, err)
      }
      memo.set(memoKey, fresh)
    }
    if (fresh instanceof LocalInstantError || fresh.json === live.json) return
    if (s.liveBytes - live.json.length + fresh.json.length > limits.maxLiveResultBytes) {
      tooLarge(s, live)
      return
    }
    s.liveBytes += fresh.json.length - live.json.length
    live.result = fresh.result
    live.json = fresh.json
    if (live.topic !== undefined) {
      unindex(live)
      live.entities = entitiesOf(fresh.result)
      index(live)
    }
    // Spliced from the JSON at hand (the query's key is its JSON): a result shared by many
    // sessions is encoded once.
    w.out.set(key, `{"instaql-query":${key},"instaql-result":${live.json}}`)
  }

  /** Every dirty query of `s` is current: its `refresh-ok`, if it has anything to say. */
  function send(s: Session, w: Work): void {
    const txId = latestTxId
    const own = s.ownTx > 0 && s.ownTx <= txId
    if (own) {
      s.ownTx = 0
      // The writer's other queries confirm its tx too, or the SDK keeps its pending write.
      for (const [key, live] of s.queries) {
        if (!w.out.has(key)) {
          w.out.set(key, `{"instaql-query":${key},"instaql-result":${live.json}}`)
        }
      }
    }
    const attrsJson = w.attrsJson ?? ''
    if (w.out.size === 0 && attrsJson === '') return
    const computations = [...w.out.values()].join(',')
    w.out.clear()
    w.attrsJson = undefined
    s.sendText(
      `{"op":"refresh-ok","processed-tx-id":${txId},"computations":[${computations}]${attrsJson}}`,
    )
  }

  function drop(s: Session, live: LiveQuery): void {
    unindex(live)
    s.queries.delete(live.key)
    s.liveBytes -= live.json.length
    const w = works.get(s)
    w?.dirty.delete(live.key)
    w?.out.delete(live.key)
  }

  /** A recomputed result took `s` over `maxLiveResultBytes`: the query is dropped, with an error. */
  function tooLarge(s: Session, live: LiveQuery): void {
    drop(s, live)
    s.send({
      op: 'error',
      status: 400,
      type: 'validation-failed',
      message: `The live results of this session would exceed ${limits.maxLiveResultBytes} bytes; the query was dropped.`,
      hint: { 'max-live-result-bytes': limits.maxLiveResultBytes },
      'original-event': { op: 'add-query', q: live.q },
    })
  }

  return {
    follow(s, key, q, result, json) {
      const topic = topicOf(engine, q)
      const live: LiveQuery = {
        owner: s,
        key,
        q,
        namespaces: namespacesOf(engine, q),
        topic,
        entities: topic === undefined ? undefined : entitiesOf(result),
        result,
        json,
      }
      s.queries.set(key, live)
      s.liveBytes += json.length
      index(live)
      const w = works.get(s)
      // The result is current: a recomputation already pending for the key is moot.
      w?.dirty.delete(key)
      w?.out.delete(key)
    },
    unfollow(s, key) {
      const live = s.queries.get(key)
      if (live !== undefined) drop(s, live)
    },
    forget(s) {
      for (const live of s.queries.values()) unindex(live)
      s.queries.clear()
      s.liveBytes = 0
      works.delete(s)
      queue.delete(s)
      writers.delete(s)
    },
    wrote(s, txId) {
      s.ownTx = Math.max(s.ownTx, txId)
      writers.add(s)
    },
    currentAttrs: () => currentAttrs().attrs,
    recomputations: () => recomputations,
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
