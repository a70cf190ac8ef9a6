/**
 * A realtime session as the hub (hub.ts), its message handlers (messages.ts) and the fan-out
 * (fan-out.ts) share it: its socket, who it runs as, and the live queries it follows.
 */
import type { Caller } from '../data/caller.js'
import type { InstaqlResult } from './query-result.js'
import type { Topic } from './topics.js'

/** What the hub needs from a connected socket. */
export interface SessionSocket {
  send(text: string): void
  /**
   * Starts the close handshake; the transport must cut the connection if the client does not
   * acknowledge it promptly (index.ts: about a second), so a hostile client cannot keep it.
   */
  close(code: number, reason: string): void
  /** Bytes queued on the socket and not yet sent (`ws`'s `bufferedAmount`); 0 when unknown. */
  bufferedAmount?(): number
}

/** A query a session follows; the fan-out keeps its fields current. */
export interface LiveQuery {
  q: unknown
  namespaces: ReadonlySet<string>
  /** What finer than namespaces a commit must touch to change it (topics.ts), when known. */
  topic: Topic | undefined
  /** With a topic: the entities of the last result. */
  entities: ReadonlySet<string> | undefined
  /** The last result sent, and its JSON for change detection. */
  result: InstaqlResult
  json: string
}

export interface Session {
  readonly id: string
  readonly socket: SessionSocket
  /** The client's IP address, as the socket reports it ('' when unknown). */
  readonly ip: string
  caller: Caller | undefined
  token: string | undefined
  /** The live queries, keyed by their JSON. */
  queries: Map<string, LiveQuery>
  /** The JSON length of the live results together (`maxLiveResultBytes` bounds it). */
  liveBytes: number
  /** Highest tx-id this session wrote and has not yet seen in a `refresh-ok`. */
  ownTx: number
  /**
   * Set when the server ended the session (revoked, deleted user, shutdown): from then on no
   * frame of it is handled, whatever is still in flight before its socket is cut.
   */
  ended: boolean
  send(msg: Record<string, unknown>): void
  /**
   * Sends an encoded message, unless the session has ended; a send that takes the socket's
   * backlog over `maxSessionBufferBytes` ends the session.
   */
  sendText(text: string): void
  /** Whether the socket's backlog is over `maxSessionBufferBytes`; if so the session is ended. */
  backlogged(): boolean
}
