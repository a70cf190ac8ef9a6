/**
 * The fan-out of the realtime sessions: after each commit (coalesced until the current handler
 * returns), which live queries it may change (by namespace, then by topic: topics.ts),
 * recomputing those and pushing `refresh-ok` (and new attrs) to their sessions. The rest of the
 * hub talks to it only through `FanOut`: a query followed or dropped, a session's own write, the
 * attrs a session was sent.
 *
 * The work never holds the event loop for long: commits are appended to a log, and sessions take
 * turns (round-robin) folding the log into their set of dirty queries and recomputing them, in
 * slices of about {@link SLICE_MS} that yield to the event loop between them. A query dirtied by
 * several commits is recomputed once; a session spends at most {@link TURN_MS} per turn, so one
 * session's thousand queries delay another's push, or an HTTP request, by a slice at most. A
 * session's `refresh-ok` goes out once its dirty set is empty, with every result current.
 */
import type { Caller } from '../data/caller.js'
import type { ClientAttr, Commit, DataEngine } from '../data/index.js'
import { LocalInstantError } from '../errors.js'
import type { LocalInstantLogger } from '../server.js'
import type { SessionLimits } from './limits.js'
import { namespacesOf, runInstaql, type InstaqlResult } from './query-result.js'
import type { LiveQuery, Session } from './session.js'
import { entitiesOf, mayMatch, topicOf } from './topics.js'
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
  limits: Pick<SessionLimits, 'maxLiveResultBytes' | 'maxSessionBufferBytes'>
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

type Entities = ReadonlyMap<string, ReadonlySet<string> | 'any'>

/** What one flush (one or more coalesced commits) changed, as the sessions fold it in. */
interface Change {
  namespaces: ReadonlySet<string> | 'all'
  /** Entities written per namespace; undefined when some commit named none. */
  entities: Entities | undefined
  /** New attrs or rules: every query's namespaces and topic are worked out again. */
  rescan: boolean
  /** `,"attrs":[...]` for the next `refresh-ok`, when the client attrs changed. */
  attrsJson: string | undefined
  /** Written entities as read once for every query judging them. */
  read: Map<string, Readonly<Record<string, unknown>> | undefined>
  /** Per query key, its namespaces after a rescan (shared by the sessions holding it). */
  rescanned: Map<string, Set<string>>
}

/** A session's pending fan-out work. */
interface Work {
  /** Log position up to which this session has folded the changes. */
  seen: number
  /** Keys of the live queries to recompute. */
  dirty: Set<string>
  /** Computations to send, by query key: `{"instaql-query":…,"instaql-result":…}`. */
  out: Map<string, string>
  attrsJson: string | undefined
}

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
  /** The changes not yet folded by every queued session; `base` is the first one's position. */
  let log: Change[] = []
  let base = 0
  const works = new Map<Session, Work>()
  /** Sessions with work, in turn order (a `Set` keeps insertion order: re-adding moves to the end). */
  const queue = new Set<Session>()
  let sliceScheduled = false
  /** Results shared within the current log state by sessions of one caller. */
  let memo = new Map<string, { result: InstaqlResult; json: string } | LocalInstantError>()

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

  /** `s`'s work; a new one starts at log position `seen`. */
  function workOf(s: Session, seen: number): Work {
    let w = works.get(s)
    if (w === undefined) {
      w = { seen, dirty: new Set(), out: new Map(), attrsJson: undefined }
      works.set(s, w)
    }
    return w
  }

  /** Appends the coalesced commits to the log and queues the sessions they may concern. */
  function flush(): void {
    const commit = pending
    pending = undefined
    if (commit === undefined || sessions.size === 0) return
    const { namespaces } = commit
    const newNamespace =
      namespaces !== 'all' &&
      [...namespaces].some((ns) => engine.session.attrs.data(ns, 'id') === undefined)
    let attrsJson: string | undefined
    if (commit.attrsChanged || newNamespace || namespaces === 'all') {
      const current = currentAttrs()
      // Encoded once: the same attrs go to every session.
      if (current.changed) attrsJson = `,"attrs":${JSON.stringify(current.attrs)}`
    }
    if (namespaces === 'all' || namespaces.has('$users')) options.usersChanged()
    log.push({
      namespaces,
      entities: commit.entities,
      rescan: namespaces === 'all' || commit.attrsChanged,
      attrsJson,
      read: new Map(),
      rescanned: new Map(),
    })
    memo = new Map()
    const end = base + log.length
    for (const s of sessions) {
      if (s.caller === undefined) continue
      // A session without work yet had no queries at the last flush: this change is its first.
      const w = workOf(s, end - 1)
      if (s.queries.size > 0 || attrsJson !== undefined || s.ownTx > 0) queue.add(s)
      else w.seen = end
    }
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
      // Every session has folded the whole log.
      base += log.length
      log = []
      for (const w of works.values()) w.seen = base
      memo = new Map()
    } else {
      schedule()
    }
  }

  /** One turn of `s`: folds the new changes, recomputes within its budget; true when done. */
  function turn(s: Session, sliceStart: number): boolean {
    const w = workOf(s, base)
    fold(s, w)
    const caller = s.caller as Caller
    const turnStart = performance.now()
    for (const key of w.dirty) {
      // A client that does not read gets nothing more computed: its session ends.
      if (s.backlogged()) return true
      const now = performance.now()
      if (now - turnStart >= TURN_MS || now - sliceStart >= SLICE_MS) return false
      w.dirty.delete(key)
      const live = s.queries.get(key)
      if (live !== undefined) recompute(s, w, caller, key, live)
    }
    send(s, w)
    return true
  }

  function fold(s: Session, w: Work): void {
    const end = base + log.length
    for (let at = Math.max(w.seen, base); at < end; at++) {
      const change = log[at - base] as Change
      if (change.attrsJson !== undefined) w.attrsJson = change.attrsJson
      for (const [key, live] of s.queries) {
        if (change.rescan) {
          let reads = change.rescanned.get(key)
          if (reads === undefined) {
            reads = namespacesOf(engine, live.q)
            change.rescanned.set(key, reads)
          }
          live.namespaces = reads
          live.topic = topicOf(engine, live.q)
          live.entities = live.topic === undefined ? undefined : entitiesOf(live.result)
        }
        if (w.dirty.has(key)) continue
        if (change.namespaces === 'all' || affects(live, change, change.rescan)) w.dirty.add(key)
      }
    }
    w.seen = end
  }

  /**
   * Whether `change` can change `live`: by namespace, then, for a query with a topic, by the
   * entities written (one of them in the result, or matching its filter now).
   */
  function affects(live: LiveQuery, change: Change, rescan: boolean): boolean {
    const namespaces = change.namespaces as ReadonlySet<string>
    if (!wroteAny(namespaces, live.namespaces)) return false
    const { topic, entities } = live
    if (topic === undefined || entities === undefined) return true
    if (rescan || change.entities === undefined) return true
    for (const ns of namespaces) if (ns !== topic.ns && live.namespaces.has(ns)) return true
    const ids = change.entities.get(topic.ns)
    if (ids === undefined || ids === 'any') return true
    for (const id of ids) {
      if (entities.has(id) || mayMatch(topic, id, readEntity(change, topic.ns, id))) return true
    }
    return false
  }

  function readEntity(change: Change, ns: string, id: string) {
    const key = `${ns}\u0000${id}`
    if (change.read.has(key)) return change.read.get(key)
    const attrs = engine.session.entityAttrs(ns, id)
    change.read.set(key, attrs)
    return attrs
  }

  function recompute(s: Session, w: Work, caller: Caller, key: string, live: LiveQuery): void {
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
      tooLarge(s, w, key, live)
      return
    }
    s.liveBytes += fresh.json.length - live.json.length
    live.result = fresh.result
    live.json = fresh.json
    if (live.topic !== undefined) live.entities = entitiesOf(fresh.result)
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

  /** A recomputed result took `s` over `maxLiveResultBytes`: the query is dropped, with an error. */
  function tooLarge(s: Session, w: Work, key: string, live: LiveQuery): void {
    s.queries.delete(key)
    w.out.delete(key)
    s.liveBytes -= live.json.length
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
      s.queries.set(key, {
        q,
        namespaces: namespacesOf(engine, q),
        topic,
        entities: topic === undefined ? undefined : entitiesOf(result),
        result,
        json,
      })
      s.liveBytes += json.length
      const w = works.get(s)
      // The result is current: a recomputation already pending for the key is moot.
      w?.dirty.delete(key)
      w?.out.delete(key)
    },
    unfollow(s, key) {
      const live = s.queries.get(key)
      if (live === undefined) return
      s.queries.delete(key)
      s.liveBytes -= live.json.length
      const w = works.get(s)
      w?.dirty.delete(key)
      w?.out.delete(key)
    },
    forget(s) {
      s.queries.clear()
      s.liveBytes = 0
      works.delete(s)
      queue.delete(s)
    },
    wrote(s, txId) {
      s.ownTx = Math.max(s.ownTx, txId)
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
