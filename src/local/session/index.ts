/**
 * `/runtime/session`: Instant's realtime websocket, served on Local Instant's HTTP server through
 * its `upgrade` event. `ws` is an optional dependency, loaded here on first use; without it the
 * HTTP routes work as before and the upgrade is refused.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Auth } from '../auth/index.js'
import { WS_INSTALL } from '../dependencies.js'
import { createSessionHub, type SessionHub, type SessionHubOptions } from './hub.js'

export type { SessionHub, SessionStats } from './hub.js'

/** The websocket path the SDK opens (`websocketURI`). */
export const SESSION_PATH = '/runtime/session'
/**
 * How long a client has to acknowledge the server's close frame before its socket is cut (`ws`
 * itself waits 30 s, time a revoked client could spend holding the connection).
 */
const CLOSE_ACK_MS = 1_000

/**
 * Serves sessions on `server`. Resolves to the hub, or to undefined (after one log line) when the
 * `ws` package is not installed.
 */
export async function attachSessions(
  server: Server,
  options: SessionHubOptions & { maxPayloadBytes: number },
): Promise<SessionHub | undefined> {
  const ws = await import('ws').catch(() => undefined)
  if (ws === undefined) {
    options.logger.info(
      `[instant-local] Realtime sessions are off (the browser SDK cannot connect): install the optional dependency \`ws\` for them: ${WS_INSTALL}`,
    )
    server.on('upgrade', refuse)
    return undefined
  }
  const hub = createSessionHub(options)
  const wss = new ws.WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(req.url) !== SESSION_PATH) {
      refuse(req, socket)
      return
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      const handlers = hub.connect(
        {
          send: (text) => {
            if (client.readyState === client.OPEN) client.send(text)
          },
          bufferedAmount: () => client.bufferedAmount,
          close: (code, reason) => {
            client.close(code, reason)
            const cut = setTimeout(() => client.terminate(), CLOSE_ACK_MS)
            cut.unref()
            client.once('close', () => clearTimeout(cut))
          },
        },
        req.socket.remoteAddress ?? '',
      )
      client.on('message', (data, isBinary) => {
        if (!isBinary) handlers.message(data.toString())
      })
      client.on('close', () => handlers.closed())
      client.on('error', () => client.terminate())
    })
  })
  return hub
}

/**
 * Wraps the auth service so that the sessions hear about its writes: new and deleted users are
 * `$users` commits, and a revoked token or user ends the sessions that use it (the SDK then
 * reconnects, gets `record-not-found` for `app-user` on init, and signs out).
 */
export function withSessionNotices(
  auth: Auth,
  notice: {
    usersChanged(): void
    revokeToken(token: string): void
    revokeUser(userId: string): void
  },
): Auth {
  return {
    ...auth,
    createToken(input) {
      const out = auth.createToken(input)
      notice.usersChanged()
      return out
    },
    verifyMagicCode(input) {
      // A new user, or a guest now linked to an account: both are $users writes.
      const out = auth.verifyMagicCode(input)
      notice.usersChanged()
      return out
    },
    signInGuest(extraFields, admin) {
      const out = auth.signInGuest(extraFields, admin)
      notice.usersChanged()
      return out
    },
    signOutToken(token) {
      auth.signOutToken(token)
      notice.revokeToken(token)
    },
    signOutUser(userId) {
      auth.signOutUser(userId)
      notice.revokeUser(userId)
    },
    deleteUser(userId) {
      const out = auth.deleteUser(userId)
      notice.revokeUser(userId)
      return out
    },
  }
}

function refuse(_req: IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}
