/**
 * What a session's text frames do: each is parsed, its op run (`init`, `add-query`,
 * `remove-query`, `transact`, the room ops), and any error answered as Instant's `error` message.
 * Live queries are handed to the fan-out (fan-out.ts), rooms to rooms.ts.
 */
import { timingSafeEqual } from 'node:crypto'
import type { Auth } from '../auth/index.js'
import type { Caller } from '../data/caller.js'
import type { DataEngine } from '../data/index.js'
import { isRecord } from '../data/is-record.js'
import { LocalInstantError } from '../errors.js'
import { coerceUuid } from '../params.js'
import type { LocalInstantLogger } from '../server.js'
import type { FanOut } from './fan-out.js'
import type { SessionLimits } from './limits.js'
import { runInstaql } from './query-result.js'
import type { Rooms } from './rooms.js'
import type { Session } from './session.js'
import { toAdminSteps } from './tx-steps.js'
import { unexpectedError } from './unexpected.js'

export interface MessageOptions {
  appId: string
  adminToken: string
  engine: DataEngine
  auth: Auth
  logger: LocalInstantLogger
  rooms: Rooms
  fanOut: Pick<FanOut, 'follow' | 'unfollow' | 'wrote' | 'currentAttrs'>
  limits: Pick<SessionLimits, 'maxSessionsPerUser' | 'maxLiveQueries' | 'maxLiveResultBytes'>
  /** Open sessions signed in as this user. */
  sessionsOfUser(userId: string): number
}

/** Builds the handler of a session's text frames; it never throws. */
export function createMessageHandler(options: MessageOptions): (s: Session, text: string) => void {
  const { engine, auth, appId, logger, rooms, fanOut, limits } = options

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
      if (options.sessionsOfUser(user.id) >= limits.maxSessionsPerUser) {
        throw new LocalInstantError(
          429,
          'rate-limited',
          `Too many realtime sessions for this user (at most ${limits.maxSessionsPerUser}).`,
          { 'max-sessions-per-user': limits.maxSessionsPerUser },
        )
      }
      s.caller = { kind: 'user', user }
      s.token = token
    } else {
      s.caller = { kind: 'guest' }
    }
    const attrs = fanOut.currentAttrs()
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
    if (s.queries.size >= limits.maxLiveQueries) {
      throw new LocalInstantError(
        400,
        'validation-failed',
        `Too many live queries (at most ${limits.maxLiveQueries} per session).`,
        { 'max-queries': limits.maxLiveQueries },
      )
    }
    const txId = engine.session.lastTxId()
    const result = runInstaql(engine, q, caller, key.length)
    const json = JSON.stringify(result)
    if (s.liveBytes + json.length > limits.maxLiveResultBytes) {
      throw new LocalInstantError(
        400,
        'validation-failed',
        `The live results of this session would exceed ${limits.maxLiveResultBytes} bytes; remove a query or narrow it.`,
        { 'max-live-result-bytes': limits.maxLiveResultBytes },
      )
    }
    fanOut.follow(s, key, q, result, json)
    // Spliced from the JSON at hand: the result is encoded once.
    s.sendText(
      `{"op":"add-query-ok","q":${key},"result":${json},"processed-tx-id":${txId}` +
        eventIdJson(msg['client-event-id']) +
        '}',
    )
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
    fanOut.wrote(s, txId)
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
        fanOut.unfollow(s, JSON.stringify(msg['q']))
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

  return function handleMessage(s, text) {
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
      errorMsg(s, msg, err instanceof LocalInstantError ? err : unexpectedError(logger, err))
    }
  }
}

/** `,"client-event-id":…` as `JSON.stringify` of the message would write it (nothing for none). */
function eventIdJson(eventId: unknown): string {
  const json = JSON.stringify(eventId)
  return json === undefined ? '' : `,"client-event-id":${json}`
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
