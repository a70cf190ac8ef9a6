/**
 * The realtime sessions of Local Instant (`/runtime/session`, Instant's session protocol, see
 * instant-session-protocol.md): one `Session` per socket, the live queries it subscribed to, and
 * the fan-out that follows every commit. Transport-free: the socket is anything with `send` and
 * `close`, so the `ws` glue (index.ts) stays a few lines.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { Auth } from '../auth/index.js'
import type { Caller } from '../data/caller.js'
import type { ClientAttr, Commit, DataEngine } from '../data/index.js'
import { isRecord } from '../data/is-record.js'
import { LocalInstantError } from '../errors.js'
import { coerceUuid } from '../params.js'
import type { LocalInstantLogger } from '../server.js'
import { namespacesOf, runInstaql, type InstaqlResult } from './query-result.js'
import { createRooms, type Rooms } from './rooms.js'
import { toAdminSteps } from './tx-steps.js'

/** Most live queries one session may hold; Instant caps them too. */
const MAX_QUERIES_PER_SESSION = 1_000

/** What the hub needs from a connected socket. */
interface SessionSocket {
  send(text: string): void
  close(code: number, reason: string): void
}

export interface SessionHubOptions {
  appId: string
  adminToken: string
  engine: DataEngine
  auth: Auth
  logger: LocalInstantLogger
}

export interface SessionHub {
  /** Registers a socket; returns what to call on each text frame and on close. */
  connect(socket: SessionSocket): { message(text: string): void; closed(): void }
  /** Closes the sessions started with this refresh token (it was revoked). */
  revokeToken(token: string): void
  /** Closes the sessions of this user (signed out everywhere, or deleted). */
  revokeUser(userId: string): void
  /** Number of open sessions. */
  size(): number
  /** Closes every session and stops listening for commits. */
  close(): void
}

interface LiveQuery {
  q: unknown
  namespaces: ReadonlySet<string>
  /** The last result sent, and its JSON for change detection. */
  result: InstaqlResult
  json: string
}

interface Session {
  readonly id: string
  readonly socket: SessionSocket
  caller: Caller | undefined
  token: string | undefined
  queries: Map<string, LiveQuery>
  /** Highest tx-id this session wrote and has not yet seen in a `refresh-ok`. */
  ownTx: number
  send(msg: Record<string, unknown>): void
}

/** Close code sent when the server ends a session (revoked token, shutdown). */
const CLOSE_GOING_AWAY = 1001

/** Builds the hub and subscribes it to the engine's commits. */
export function createSessionHub(options: SessionHubOptions): SessionHub {
  const { engine, auth, appId, logger } = options
  const sessions = new Set<Session>()
  const rooms: Rooms = createRooms()
  let pending: { txId: number; namespaces: Set<string> | 'all'; attrsChanged: boolean } | undefined
  let lastAttrsJson = ''

  const unsubscribe = engine.session.subscribe(onCommit)

  function onCommit(commit: Commit): void {
    if (pending === undefined) {
      pending = { txId: commit.txId, namespaces: new Set(), attrsChanged: false }
      // After the current handler: `transact-ok` goes out before the `refresh-ok` it causes.
      queueMicrotask(flush)
    }
    pending.txId = Math.max(pending.txId, commit.txId)
    pending.attrsChanged ||= commit.attrsChanged
    if (commit.namespaces === 'all' || pending.namespaces === 'all') pending.namespaces = 'all'
    else for (const ns of commit.namespaces) pending.namespaces.add(ns)
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
    const { namespaces, txId } = commit
    const newNamespace =
      namespaces !== 'all' &&
      [...namespaces].some((ns) => engine.session.attrs.data(ns, 'id') === undefined)
    let attrs: ClientAttr[] | undefined
    if (commit.attrsChanged || newNamespace || namespaces === 'all') {
      const current = currentAttrs()
      if (current.changed) attrs = current.attrs
    }
    if (namespaces === 'all' || namespaces.has('$users')) refreshUsers()
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
        }
        if (namespaces === 'all' || wroteAny(namespaces, live.namespaces)) {
          const memoKey = `${callerKey(s.caller)}\u0000${key}`
          let fresh = memo.get(memoKey)
          if (fresh === undefined) {
            try {
              // The query's size was checked at subscribe; its key is that JSON.
              const result = runInstaql(engine, live.q, s.caller, key.length)
              fresh = { result, json: JSON.stringify(result) }
            } catch (err) {
              fresh = err instanceof LocalInstantError ? err : unexpected(err)
            }
            memo.set(memoKey, fresh)
          }
          if (fresh instanceof LocalInstantError) continue
          if (fresh.json !== live.json) {
            live.result = fresh.result
            live.json = fresh.json
            computations.push(`{"instaql-query":${key},"instaql-result":${live.json}}`)
            continue
          }
        }
        // The writer's other queries confirm its tx too, or the SDK keeps its pending write.
        if (own) computations.push(`{"instaql-query":${key},"instaql-result":${live.json}}`)
      }
      if (own) s.ownTx = 0
      if (computations.length === 0 && attrs === undefined) continue
      s.socket.send(
        `{"op":"refresh-ok","processed-tx-id":${txId},"computations":[${computations.join(',')}]${attrsJson}}`,
      )
    }
  }

  function unexpected(err: unknown): LocalInstantError {
    logger.error(
      `Local Instant: unexpected error in a realtime session: ${
        err instanceof Error ? (err.stack ?? err.message) : String(err)
      }`,
    )
    return new LocalInstantError(500, 'unknown', 'Something went wrong. Sorry about this!')
  }

  /** `$users` changed: sessions see their user's new attributes; a deleted user is ended. */
  function refreshUsers(): void {
    for (const s of sessions) {
      if (s.caller?.kind !== 'user') continue
      const user = auth.userById(s.caller.user.id)
      if (user === undefined) end(s)
      else s.caller = { kind: 'user', user }
    }
  }

  function end(s: Session): void {
    sessions.delete(s)
    rooms.leaveAll(s)
    s.socket.close(CLOSE_GOING_AWAY, 'session ended')
  }

  // ---------- messages

  function errorMsg(s: Session, msg: Record<string, unknown>, err: LocalInstantError): void {
    const original: Record<string, unknown> = {
      op: msg['op'],
      'client-event-id': msg['client-event-id'],
    }
    // The SDK routes a failed query by `original-event.q`; nothing else is echoed (no tokens).
    if (msg['op'] === 'add-query') original['q'] = msg['q']
    s.send({
      op: 'error',
      status: err.status,
      type: err.type,
      message: err.message,
      hint: err.hint,
      'client-event-id': msg['client-event-id'],
      'original-event': original,
    })
  }

  function init(s: Session, msg: Record<string, unknown>): void {
    if (coerceUuid(msg['app-id']) !== appId) {
      throw new LocalInstantError(400, 'record-not-found', 'Record not found: app', {
        'record-type': 'app',
      })
    }
    const adminToken = msg['__admin-token']
    const refreshToken = msg['refresh-token']
    if (typeof adminToken === 'string' && sameToken(adminToken, options.adminToken)) {
      s.caller = { kind: 'admin' }
    } else if (refreshToken !== undefined && refreshToken !== null) {
      const token = coerceUuid(refreshToken)
      const user = token === undefined ? undefined : auth.userByRefreshToken(token)
      // The SDK signs the user out on exactly this error (record-not-found, app-user).
      if (user === undefined || token === undefined) {
        throw new LocalInstantError(400, 'record-not-found', 'Record not found: app-user', {
          'record-type': 'app-user',
        })
      }
      s.caller = { kind: 'user', user }
      s.token = token
    } else {
      s.caller = { kind: 'guest' }
    }
    const { attrs } = currentAttrs()
    s.send({
      op: 'init-ok',
      'client-event-id': msg['client-event-id'],
      'session-id': s.id,
      attrs,
      'app-status': { status: 'active' },
    })
  }

  function addQuery(s: Session, caller: Caller, msg: Record<string, unknown>): void {
    const q = msg['q']
    if (!isRecord(q)) {
      throw new LocalInstantError(400, 'param-malformed', 'The query must be an object.', {
        in: ['q'],
      })
    }
    const key = JSON.stringify(q)
    if (s.queries.has(key)) {
      s.send({ op: 'add-query-exists', q, 'client-event-id': msg['client-event-id'] })
      return
    }
    if (s.queries.size >= MAX_QUERIES_PER_SESSION) {
      throw new LocalInstantError(400, 'validation-failed', 'Too many live queries.', {
        'max-queries': MAX_QUERIES_PER_SESSION,
      })
    }
    const txId = engine.session.lastTxId()
    const result = runInstaql(engine, q, caller, key.length)
    s.queries.set(key, {
      q,
      namespaces: namespacesOf(engine, q),
      result,
      json: JSON.stringify(result),
    })
    s.send({
      op: 'add-query-ok',
      q,
      result,
      'processed-tx-id': txId,
      'client-event-id': msg['client-event-id'],
    })
  }

  function transact(s: Session, caller: Caller, msg: Record<string, unknown>): void {
    const steps = toAdminSteps(engine.session.attrs, msg['tx-steps'])
    let txId: number
    try {
      txId = engine.transact({ steps }, caller)['tx-id']
    } finally {
      // As on POST /admin/transact: $users attributes may have changed.
      auth.invalidate()
    }
    s.ownTx = Math.max(s.ownTx, txId)
    s.send({ op: 'transact-ok', 'tx-id': txId, 'client-event-id': msg['client-event-id'] })
  }

  function handle(s: Session, msg: Record<string, unknown>): void {
    const op = msg['op']
    if (op === 'init') return init(s, msg)
    const caller = s.caller
    if (caller === undefined) {
      throw new LocalInstantError(400, 'validation-failed', 'Send init first.', { op })
    }
    const eventId = msg['client-event-id']
    switch (op) {
      case 'add-query':
        return addQuery(s, caller, msg)
      case 'remove-query':
        s.queries.delete(JSON.stringify(msg['q']))
        return s.send({ op: 'remove-query-ok', q: msg['q'], 'client-event-id': eventId })
      case 'transact':
        return transact(s, caller, msg)
      case 'join-room':
      case 'leave-room':
      case 'set-presence':
      case 'client-broadcast':
        return rooms.handle(s, userOf(caller), msg)
      default:
        throw new LocalInstantError(400, 'validation-failed', `Unsupported op \`${String(op)}\`.`, {
          op,
        })
    }
  }

  return {
    connect(socket) {
      const s: Session = {
        id: randomUUID(),
        socket,
        caller: undefined,
        token: undefined,
        queries: new Map(),
        ownTx: 0,
        send: (msg) => socket.send(JSON.stringify(msg)),
      }
      sessions.add(s)
      return {
        message(text) {
          let msg: unknown
          try {
            msg = JSON.parse(text)
          } catch {
            msg = undefined
          }
          if (!isRecord(msg)) {
            s.send({
              op: 'error',
              status: 400,
              type: 'param-malformed',
              message: 'Malformed JSON message.',
            })
            return
          }
          try {
            handle(s, msg)
          } catch (err) {
            errorMsg(s, msg, err instanceof LocalInstantError ? err : unexpected(err))
          }
        },
        closed() {
          sessions.delete(s)
          rooms.leaveAll(s)
        },
      }
    },
    revokeToken(token) {
      for (const s of sessions) if (s.token === token) end(s)
    },
    revokeUser(userId) {
      for (const s of sessions) {
        if (s.caller?.kind === 'user' && s.caller.user.id === userId) end(s)
      }
    },
    size: () => sessions.size,
    close() {
      unsubscribe()
      for (const s of [...sessions]) end(s)
    },
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

/** What peers see of a session's user in presence: the id only, never the email or token. */
function userOf(caller: Caller): { id: string } | null {
  return caller.kind === 'user' ? { id: caller.user.id } : null
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
