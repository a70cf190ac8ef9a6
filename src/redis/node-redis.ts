/** The node-redis (`redis` 5, `createClient()`) side of {@link Connection}. */
import type { Connection, Subscriber } from './connection.js'

/** What the store uses of a node-redis client (structural, so `redis` stays optional). */
export interface NodeRedisClientLike {
  readonly isReady: boolean
  sendCommand(args: readonly string[]): Promise<unknown>
  duplicate(): NodeRedisSubscriberLike
}

interface NodeRedisSubscriberLike {
  on(event: 'error', listener: (error: unknown) => void): unknown
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  destroy(): void
  readonly isOpen: boolean
}

export function isNodeRedisClient(value: unknown): value is NodeRedisClientLike {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return (
    typeof client['sendCommand'] === 'function' &&
    typeof client['duplicate'] === 'function' &&
    typeof client['isReady'] === 'boolean'
  )
}

export function nodeRedisConnection(client: NodeRedisClientLike): Connection {
  return {
    ready: () => client.isReady,
    send: (args) => client.sendCommand(args),
    subscriber(onMessage, onError): Subscriber {
      const sub = client.duplicate()
      sub.on('error', onError)
      // node-redis resubscribes by itself after a reconnect; a failed first connect is retried
      // by its reconnect strategy, and `connect()`'s rejection is reported, not thrown.
      const connected = sub.connect().then(
        () => true,
        (error: unknown) => {
          onError(error)
          return false
        },
      )
      const listener = (message: string, channel: string): void => onMessage(channel, message)
      return {
        async subscribe(channel) {
          if (await connected) await sub.subscribe(channel, listener)
        },
        async unsubscribe(channel) {
          if (sub.isOpen) await sub.unsubscribe(channel)
        },
        async close() {
          await connected
          if (sub.isOpen) sub.destroy()
        },
      }
    },
  }
}
