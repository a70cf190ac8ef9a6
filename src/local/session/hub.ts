/**
 * The realtime sessions of Local Instant (`/runtime/session`, Instant's session protocol, see
 * instant-session-protocol.md): one `Session` per socket (session.ts), what its messages do
 * (messages.ts), and the fan-out that follows every commit (fan-out.ts); this file wires them,
 * admits sessions (limits.ts) and ends them. Transport-free: the socket is anything with `send`
 * and `close`, so the `ws` glue (index.ts) stays a few lines.
 */
import { randomUUID } from 'node:crypto'
import type { Auth } from '../auth/index.js'
import type { DataEngine } from '../data/index.js'
import type { LocalInstantLogger } from '../server.js'
import { createFanOut } from './fan-out.js'
import {
  BACKPRESSURE_REASON,
  CLOSE_BACKPRESSURE,
  CLOSE_POLICY,
  DEFAULT_SESSION_LIMITS,
  type SessionLimits,
} from './limits.js'
import { createMessageHandler } from './messages.js'
import { createRooms, type Rooms } from './rooms.js'
import type { Session, SessionSocket } from './session.js'

export interface SessionHubOptions {
  appId: string
  adminToken: string
  engine: DataEngine
  auth: Auth
  logger: LocalInstantLogger
  /** What a session may cost; each one missing takes its default (limits.ts). */
  limits?: Partial<SessionLimits>
}

/** Counters of the realtime sessions, as `LocalInstant.stats()` reports them. */
export interface SessionStats {
  /** Open sessions. */
  sessions: number
  /** Live queries held by the open sessions. */
  liveQueries: number
  /** Live-query results recomputed after commits since the start (a shared result counts once). */
  recomputations: number
}

export interface SessionHub {
  /**
   * Registers a socket (`ip`: the client's address, for `maxSessionsPerIp`); returns what to
   * call on each text frame and on close.
   */
  connect(socket: SessionSocket, ip?: string): { message(text: string): void; closed(): void }
  /** Closes the sessions started with this refresh token (it was revoked). */
  revokeToken(token: string): void
  /** Closes the sessions of this user (signed out everywhere, or deleted). */
  revokeUser(userId: string): void
  /** Number of open sessions. */
  size(): number
  stats(): SessionStats
  /** Closes every session and stops listening for commits. */
  close(): void
}

/** Close code sent when the server ends a session (revoked token, shutdown). */
const CLOSE_GOING_AWAY = 1001

/** Builds the hub and subscribes it to the engine's commits. */
export function createSessionHub(options: SessionHubOptions): SessionHub {
  const { engine, auth, appId, adminToken, logger } = options
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits }
  const sessions = new Set<Session>()
  /** Open sessions per client address. */
  const perIp = new Map<string, number>()
  const rooms: Rooms = createRooms()
  const fanOut = createFanOut({ engine, sessions, usersChanged: refreshUsers, logger, limits })
  const handleMessage = createMessageHandler({
    appId,
    adminToken,
    engine,
    auth,
    logger,
    rooms,
    fanOut,
    limits,
    sessionsOfUser(userId) {
      let n = 0
      for (const s of sessions) if (s.caller?.kind === 'user' && s.caller.user.id === userId) n++
      return n
    },
  })

  /** `$users` changed: sessions see their user's new attributes; a deleted user is ended. */
  function refreshUsers(): void {
    for (const s of sessions) {
      if (s.caller?.kind !== 'user') continue
      const user = auth.userById(s.caller.user.id)
      if (user === undefined) end(s)
      else s.caller = { kind: 'user', user }
    }
  }

  /** Forgets `s`: no further frame of it is handled, its rooms and live queries go. */
  function drop(s: Session): void {
    if (s.ended) return
    s.ended = true
    sessions.delete(s)
    const n = (perIp.get(s.ip) ?? 1) - 1
    if (n <= 0) perIp.delete(s.ip)
    else perIp.set(s.ip, n)
    rooms.leaveAll(s)
    fanOut.forget(s)
  }

  function end(s: Session, code = CLOSE_GOING_AWAY, reason = 'session ended'): void {
    if (s.ended) return
    drop(s)
    s.socket.close(code, reason)
  }

  return {
    connect(socket, ip = '') {
      const open = perIp.get(ip) ?? 0
      if (open >= limits.maxSessionsPerIp) {
        socket.send(
          JSON.stringify({
            op: 'error',
            status: 429,
            type: 'rate-limited',
            message: `Too many realtime sessions from this address (at most ${limits.maxSessionsPerIp}).`,
            hint: { 'max-sessions-per-ip': limits.maxSessionsPerIp },
          }),
        )
        socket.close(CLOSE_POLICY, 'too many sessions from this address')
        return { message() {}, closed() {} }
      }
      perIp.set(ip, open + 1)
      const s: Session = {
        id: randomUUID(),
        socket,
        ip,
        caller: undefined,
        token: undefined,
        queries: new Map(),
        liveBytes: 0,
        ownTx: 0,
        ended: false,
        send: (msg) => s.sendText(JSON.stringify(msg)),
        sendText(text) {
          if (s.ended) return
          socket.send(text)
          s.backlogged()
        },
        backlogged() {
          if (s.ended) return true
          // A client that does not read costs the server no more than its cap: its session
          // ends (no more results are computed for it) and the transport cuts it soon after.
          if ((socket.bufferedAmount?.() ?? 0) <= limits.maxSessionBufferBytes) return false
          end(s, CLOSE_BACKPRESSURE, BACKPRESSURE_REASON)
          return true
        },
      }
      sessions.add(s)
      return {
        message(text) {
          // A revoked session's frames still in flight (a client that ignores the close frame
          // keeps sending until its socket is cut) are dropped before any handler runs.
          if (s.backlogged()) return
          handleMessage(s, text)
        },
        closed: () => drop(s),
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
    stats() {
      let liveQueries = 0
      for (const s of sessions) liveQueries += s.queries.size
      return { sessions: sessions.size, liveQueries, recomputations: fanOut.recomputations() }
    },
    close() {
      fanOut.close()
      for (const s of [...sessions]) end(s)
    },
  }
}
