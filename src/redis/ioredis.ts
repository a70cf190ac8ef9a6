/** The ioredis (5) side of {@link Connection}. */
import type { Connection, Subscriber } from './connection.js'

/** What the store uses of an ioredis client (structural, so `ioredis` stays optional). */
export interface IoredisClientLike {
  readonly status: string
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): IoredisSubscriberLike
}

interface IoredisSubscriberLike {
  on(event: 'error', listener: (error: unknown) => void): unknown
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  disconnect(): void
}

export function isIoredisClient(value: unknown): value is IoredisClientLike {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return (
    typeof client['call'] === 'function' &&
    typeof client['duplicate'] === 'function' &&
    typeof client['status'] === 'string'
  )
}

export function ioredisConnection(client: IoredisClientLike): Connection {
  return {
    ready: () => client.status === 'ready',
    send: ([command, ...args]) => client.call(command ?? 'PING', ...args),
    subscriber(onMessage, onError): Subscriber {
      // ioredis connects a duplicate by itself and resubscribes after reconnects.
      const sub = client.duplicate()
      sub.on('error', onError)
      sub.on('message', onMessage)
      return {
        async subscribe(channel) {
          await sub.subscribe(channel)
        },
        async unsubscribe(channel) {
          await sub.unsubscribe(channel)
        },
        async close() {
          sub.disconnect()
        },
      }
    },
  }
}
