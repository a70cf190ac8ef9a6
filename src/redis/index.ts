/**
 * instant-express-auth/redis: the kit's state on Redis (or Valkey), for apps with several
 * instances behind a load balancer. Needs `redis` (5) or `ioredis` (5), both optional peers.
 *
 * @example
 * ```ts
 * import { redisStore } from 'instant-express-auth/redis'
 * const store = redisStore({ client })
 * app.use(magicCodeRouter({ db, sendEmail, store }))
 * app.get('/me', requireInstantUser({ db, store }), (req, res) => res.json(req.instant.user))
 * ```
 */
export { redisStore } from './store.js'
export type { RedisClientLike, RedisStore, RedisStoreOptions } from './store.js'
export type { StateStore, RateLimitCounterStore } from '../state-store.js'
