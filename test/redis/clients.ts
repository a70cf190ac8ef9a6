/** Both Redis clients the store supports, connected to a test server, with quiet error logs. */
import { createClient } from 'redis'
import { Redis } from 'ioredis'
import type { RedisClientLike } from 'instant-express-auth/redis'

export type ClientKind = 'node-redis' | 'ioredis'
export const CLIENT_KINDS: readonly ClientKind[] = ['node-redis', 'ioredis']

export interface TestClient {
  readonly client: RedisClientLike
  /** Runs a raw command (for assertions on what the store wrote). */
  command(...args: string[]): Promise<unknown>
  close(): Promise<void>
}

/** A connected client; reconnects quickly (50 ms) so recovery tests stay short. */
export async function connectClient(kind: ClientKind, url: string): Promise<TestClient> {
  if (kind === 'node-redis') {
    const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
    client.on('error', () => undefined)
    await client.connect()
    return {
      client,
      command: (...args) => client.sendCommand(args),
      close: async () => client.destroy(),
    }
  }
  const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
  client.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve)
    client.once('end', () => reject(new Error('ioredis did not connect')))
  })
  return {
    client,
    command: (...[name, ...args]: string[]) => client.call(name ?? 'PING', ...args),
    close: async () => client.disconnect(),
  }
}
