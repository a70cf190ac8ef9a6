/**
 * What one realtime session (and one client) may cost the server: its outbound backlog, how many
 * sessions an address or a user may open, and how much live state a session may hold. Each has
 * a `startLocalInstant` option; these are the defaults.
 */

/** Bytes a session's socket may hold unsent (a client not reading); above it the session ends. */
const DEFAULT_MAX_SESSION_BUFFER_BYTES = 4 * 1024 * 1024
/** Open sessions per client IP address. */
const DEFAULT_MAX_SESSIONS_PER_IP = 1_000
/** Open sessions signed in as one user. */
const DEFAULT_MAX_SESSIONS_PER_USER = 100
/** Live queries one session may hold (Instant caps them too). */
const DEFAULT_MAX_LIVE_QUERIES = 1_000
/** Bytes (JSON) of the live results one session may hold together. */
const DEFAULT_MAX_LIVE_RESULT_BYTES = 64 * 1024 * 1024

export interface SessionLimits {
  maxSessionBufferBytes: number
  maxSessionsPerIp: number
  maxSessionsPerUser: number
  maxLiveQueries: number
  maxLiveResultBytes: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxSessionBufferBytes: DEFAULT_MAX_SESSION_BUFFER_BYTES,
  maxSessionsPerIp: DEFAULT_MAX_SESSIONS_PER_IP,
  maxSessionsPerUser: DEFAULT_MAX_SESSIONS_PER_USER,
  maxLiveQueries: DEFAULT_MAX_LIVE_QUERIES,
  maxLiveResultBytes: DEFAULT_MAX_LIVE_RESULT_BYTES,
}

/**
 * Close code and reason of a session ended for its backlog: 1013 "try again later" (the SDK
 * logs the close and reconnects, then resubscribes its queries).
 */
export const CLOSE_BACKPRESSURE = 1013
export const BACKPRESSURE_REASON = 'backpressure: the client is not reading its socket'
/** Close code of a session refused at connection (too many from its address). */
export const CLOSE_POLICY = 1008
