/**
 * `redisStore`: the kit's {@link StateStore} on Redis (or Valkey), for apps with several
 * instances. Counters, magic-code records, verification results and revocations are shared;
 * every command has a deadline, and a Redis that is down or slow makes the operation reject
 * with 503 `auth_unavailable` (limits and code checks fail closed) instead of waiting.
 */
import { KitError, isKitError } from '../errors/kit-error.js'
import { withTimeout } from '../options/timeout.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { resolveTimeoutMs } from '../options/numbers.js'
import { resolveLogger, type KitLogger } from '../options/events.js'
import { UNAVAILABLE_RETRY_AFTER_S } from '../instant/classify-error.js'
import type { RateLimitCounterStore, StateStore } from '../state-store.js'
import type { Connection, Subscriber } from './connection.js'
import { ioredisConnection, isIoredisClient, type IoredisClientLike } from './ioredis.js'
import { isNodeRedisClient, nodeRedisConnection, type NodeRedisClientLike } from './node-redis.js'
import { COUNT, DECREMENT, HIT, type Script } from './scripts.js'

/** Deadline of one Redis command, in ms. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 500
/** At most one "Redis unavailable" warning per this many ms. */
const REDIS_WARNING_INTERVAL_MS = 60_000

/** What `client` may be: a node-redis 5 client or an ioredis 5 client (structural types). */
export type RedisClientLike = NodeRedisClientLike | IoredisClientLike

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected client: `createClient()` from `redis` (5) after `await client.connect()`, or
   * `new Redis()` from `ioredis` (5). The store never closes it; give it an `error` listener.
   */
  client: RedisClientLike
  /** Prepended to every key and channel, so several apps can share one Redis. Default `''`. */
  prefix?: string
  /** Deadline of each command, in ms. Default `500`. */
  commandTimeoutMs?: number
  /** Where the (rate-limited) "Redis unavailable" warning goes. Default `console`. */
  logger?: KitLogger
}

/** A {@link StateStore} on Redis, with the shared-store capabilities the kit uses. */
export interface RedisStore extends StateStore {
  readonly shared: true
  rateLimitStore(prefix: string): RateLimitCounterStore
  publish(channel: string, message: string): Promise<void>
  subscribe(channel: string, listener: (message: string) => void): () => void
  /** Closes the subscriber connection the store opened (not your client). */
  close(): Promise<void>
}

/** Every key {@link redisStore} accepts; anything else throws (see `checkOptionKeys`). */
const REDIS_STORE_OPTIONS = {
  client: true,
  prefix: true,
  commandTimeoutMs: true,
  logger: true,
} as const satisfies OptionKeys<RedisStoreOptions>

/**
 * A state store on Redis: one line moves an app to shared limits, codes, verification and
 * revocation.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { redisStore } from 'instant-express-auth/redis'
 * const client = createClient({ url: process.env.REDIS_URL })
 * client.on('error', (error) => console.warn('redis', error.message))
 * await client.connect()
 * const store = redisStore({ client })
 * app.use(magicCodeRouter({ db, sendEmail, store }))
 * app.get('/me', requireInstantUser({ db, store }), (req, res) => res.json(req.instant.user))
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw optionError('redisStore', 'options', 'be an object, e.g. redisStore({ client })', options)
  }
  checkOptionKeys(options, REDIS_STORE_OPTIONS, 'redisStore')
  const connection = connectionOf(options.client)
  if (connection === undefined) {
    throw optionError(
      'redisStore',
      'client',
      'be a node-redis client (createClient() from "redis", connected) or an ioredis client',
      options.client,
    )
  }
  const { prefix = '' } = options
  if (typeof prefix !== 'string')
    throw optionError('redisStore', 'prefix', 'be a string (default "")', prefix)
  const commandTimeoutMs = resolveTimeoutMs(options.commandTimeoutMs, {
    factory: 'redisStore',
    option: 'commandTimeoutMs',
    default: DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  })
  const logger = resolveLogger(options.logger, 'redisStore')
  return createRedisStore(connection, prefix, commandTimeoutMs, logger)
}

function createRedisStore(
  connection: Connection,
  prefix: string,
  timeoutMs: number,
  logger: KitLogger,
): RedisStore {
  let lastWarning = -Infinity

  function unavailable(cause: unknown): KitError {
    const now = performance.now()
    if (now - lastWarning >= REDIS_WARNING_INTERVAL_MS) {
      lastWarning = now
      logger.warn(
        `instant-express-auth/redis: Redis is unavailable (${describe(cause)}); rate limits and magic codes answer 503 auth_unavailable, verification asks Instant, revocation falls back to the cache TTL, until it is back.`,
      )
    }
    return new KitError('auth_unavailable', {
      cause,
      headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
    })
  }

  /** One command with a deadline; a down connection fails at once instead of queueing. */
  function send(args: readonly string[]): Promise<unknown> {
    if (!connection.ready()) return Promise.reject(unavailable(new Error('not connected')))
    let reply: Promise<unknown>
    try {
      reply = connection.send(args)
    } catch (error) {
      return Promise.reject(unavailable(error)) // a client that throws instead of rejecting
    }
    return withTimeout(reply, timeoutMs, () =>
      unavailable(new Error(`no answer in ${timeoutMs} ms`)),
    ).catch((error: unknown) => {
      // NOSCRIPT is Redis answering (an empty script cache after a restart), not an outage.
      throw isNoScript(error) || isKitError(error) ? error : unavailable(error)
    })
  }

  /** A `[number, number]` reply of our scripts; anything else is a broken Redis (503). */
  function pair(reply: unknown): [number, number] {
    if (Array.isArray(reply) && reply.length === 2) {
      const [a, b] = reply.map(Number)
      if (Number.isFinite(a) && Number.isFinite(b)) return [a as number, b as number]
    }
    throw unavailable(new TypeError('unexpected Redis reply'))
  }

  async function run(script: Script, key: string, ...args: string[]): Promise<unknown> {
    try {
      return await send(['EVALSHA', script.sha, '1', key, ...args])
    } catch (error) {
      if (!isNoScript(error)) throw error
      return send(['EVAL', script.source, '1', key, ...args])
    }
  }

  async function hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const window = String(Math.max(1, Math.ceil(windowMs)))
    const reply = await run(HIT, prefix + key, window)
    const [count, ttl] = pair(reply)
    return { count, resetAt: Date.now() + ttl }
  }

  // Pub/sub: one subscriber connection, opened on the first subscribe.
  const listeners = new Map<string, Set<(message: string) => void>>()
  let subscriber: Subscriber | undefined

  function onMessage(channel: string, message: string): void {
    const set = listeners.get(channel)
    if (set === undefined) return
    for (const listener of set) {
      try {
        listener(message)
      } catch (error) {
        logger.warn(`instant-express-auth/redis: a ${channel} listener threw (${describe(error)}).`)
      }
    }
  }

  return {
    shared: true,
    hit,
    async put(key, value, ttlMs) {
      await send(['SET', prefix + key, value, 'PX', String(Math.max(1, Math.ceil(ttlMs)))])
    },
    async get(key) {
      const value = await send(['GET', prefix + key])
      return typeof value === 'string' ? value : undefined
    },
    async take(key) {
      const value = await send(['GETDEL', prefix + key])
      return typeof value === 'string' ? value : undefined
    },
    async delete(key) {
      await send(['DEL', prefix + key])
    },
    rateLimitStore(limiterPrefix) {
      let windowMs = 60_000
      const full = (key: string): string => prefix + limiterPrefix + key
      return {
        prefix: limiterPrefix,
        localKeys: false,
        init(limiterOptions) {
          windowMs = limiterOptions.windowMs
        },
        async get(key) {
          const reply = await run(COUNT, full(key))
          if (reply === null || reply === undefined) return undefined
          const [totalHits, ttl] = pair(reply)
          return { totalHits, resetTime: new Date(Date.now() + Math.max(0, ttl)) }
        },
        async increment(key) {
          const { count, resetAt } = await hit(limiterPrefix + key, windowMs)
          return { totalHits: count, resetTime: new Date(resetAt) }
        },
        async decrement(key) {
          await run(DECREMENT, full(key))
        },
        async resetKey(key) {
          await send(['DEL', full(key)])
        },
      }
    },
    async publish(channel, message) {
      await send(['PUBLISH', prefix + channel, message])
    },
    subscribe(channel, listener) {
      const full = prefix + channel
      let set = listeners.get(full)
      if (set === undefined) {
        set = new Set()
        listeners.set(full, set)
        subscriber ??= connection.subscriber(onMessage, (error) => void unavailable(error))
        subscriber.subscribe(full).catch((error: unknown) => void unavailable(error))
      }
      set.add(listener)
      return () => {
        const current = listeners.get(full)
        if (current === undefined || !current.delete(listener) || current.size > 0) return
        listeners.delete(full)
        subscriber?.unsubscribe(full).catch(() => undefined)
      }
    },
    async close() {
      listeners.clear()
      const closing = subscriber
      subscriber = undefined
      await closing?.close()
    },
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

/** A cause for the log: its name and code, never its message (it may quote a command). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${error.name} ${code}` : error.name
}

/** Wraps a connected node-redis or ioredis client; `undefined` for anything else. */
function connectionOf(client: unknown): Connection | undefined {
  if (isIoredisClient(client)) return ioredisConnection(client)
  if (isNodeRedisClient(client)) return nodeRedisConnection(client)
  return undefined
}
