/** Types of redis-server.js: a throwaway `redis-server` (binary: `$REDIS_SERVER`, else Debian's) for tests and benches. */

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Starts it again (same port, empty data) after `stop()`. */
  start(): Promise<void>
  /** SIGKILL (as a crash would) and wait for the exit. */
  stop(): Promise<void>
  /** SIGSTOP / SIGCONT: Redis stops answering but keeps its connections (a "slow" Redis). */
  pause(): void
  resume(): void
  /** Stops it and removes its temp dir. */
  close(): Promise<void>
}

/** Starts one on a free port of 127.0.0.1, with a temp dir and no persistence. */
export declare function startRedisServer(): Promise<RedisServer>
