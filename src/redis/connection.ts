/**
 * The two Redis clients the store accepts, seen through one small shape: send a command, say
 * whether the connection is up, and open a subscriber connection. Only types here, so neither
 * `redis` nor `ioredis` is needed to compile or to load this package; the two adapters
 * (`ioredis.ts`, `node-redis.ts`) implement it and `store.ts` picks one.
 */

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
