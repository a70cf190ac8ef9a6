/**
 * The realtime sessions of Local Instant (`/runtime/session`, Instant's session protocol, see
 * instant-session-protocol.md): one `Session` per socket (session.ts), what its messages do
 * (messages.ts), and the fan-out that follows every commit (fan-out.ts); this file wires them and
 * ends sessions. Transport-free: the socket is anything with `send` and `close`, so the `ws` glue
 * (index.ts) stays a few lines.
 */
import { randomUUID } from 'node:crypto'
import type { Auth } from '../auth/index.js'
import type { DataEngine } from '../data/index.js'
import type { LocalInstantLogger } from '../server.js'
import { createFanOut } from './fan-out.js'
import { createMessageHandler } from './messages.js'
import { createRooms, type Rooms } from './rooms.js'
import type { Session, SessionSocket } from './session.js'

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

/** Close code sent when the server ends a session (revoked token, shutdown). */
const CLOSE_GOING_AWAY = 1001

/** Builds the hub and subscribes it to the engine's commits. */
export function createSessionHub(options: SessionHubOptions): SessionHub {
  const { engine, auth, appId, adminToken, logger } = options
  const sessions = new Set<Session>()
  const rooms: Rooms = createRooms()
  const fanOut = createFanOut({ engine, sessions, usersChanged: refreshUsers, logger })
  const handleMessage = createMessageHandler({
    appId,
    adminToken,
    engine,
    auth,
    logger,
    rooms,
    fanOut,
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

  /** Ends `s` at once: no further frame of it is handled, its rooms and live queries go. */
  function end(s: Session): void {
    if (s.ended) return
    s.ended = true
    sessions.delete(s)
    rooms.leaveAll(s)
    s.queries.clear()
    s.socket.close(CLOSE_GOING_AWAY, 'session ended')
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
        ended: false,
        send: (msg) => {
          if (!s.ended) socket.send(JSON.stringify(msg))
        },
      }
      sessions.add(s)
      return {
        message(text) {
          // A revoked session's frames still in flight (a client that ignores the close frame
          // keeps sending until its socket is cut) are dropped before any handler runs.
          if (!s.ended) handleMessage(s, text)
        },
        closed() {
          s.ended = true
          sessions.delete(s)
          rooms.leaveAll(s)
          s.queries.clear()
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
      fanOut.close()
      for (const s of [...sessions]) end(s)
    },
  }
}
