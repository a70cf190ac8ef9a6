/**
 * The two Redis clients the store accepts, seen through one small shape: send a command, say
 * whether the connection is up, and open a subscriber connection. Only structural types here,
 * so neither `redis` nor `ioredis` is needed to compile or to load this package.
 */
import { nodeRedisConnection, isNodeRedisClient } from './node-redis.js'
import { ioredisConnection, isIoredisClient } from './ioredis.js'

/** A subscriber connection the store opened (and closes). */
export interface Subscriber {
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): Promise<void>
  close(): Promise<void>
}

/** One Redis connection, either client. */
export interface Connection {
  /** True when a command sent now would go out at once (connected, not reconnecting). */
  ready(): boolean
  /** Sends one command; replies as the client decodes them (strings, numbers, arrays, null). */
  send(args: readonly string[]): Promise<unknown>
  /**
   * Opens a second connection for pub/sub (a subscribed connection can send nothing else).
   * `onMessage` gets every message; `onError` every connection error of the subscriber.
   */
  subscriber(
    onMessage: (channel: string, message: string) => void,
    onError: (error: unknown) => void,
  ): Subscriber
}

/** Wraps a connected node-redis or ioredis client; `undefined` for anything else. */
export function connectionOf(client: unknown): Connection | undefined {
  if (isIoredisClient(client)) return ioredisConnection(client)
  if (isNodeRedisClient(client)) return nodeRedisConnection(client)
  return undefined
}
