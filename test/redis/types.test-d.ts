import { createClient } from 'redis'
import { Redis } from 'ioredis'
import { describe, expectTypeOf, it } from 'vitest'
import { init } from 'instant-express-auth/admin'
import {
  magicCodeRouter,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type StateStore,
} from 'instant-express-auth'
import { redisStore, type RedisStore, type RedisStoreOptions } from 'instant-express-auth/redis'

const db = init({ appId: '00000000-0000-4000-8000-000000000000', adminToken: 't' })

describe('redisStore types', () => {
  it('takes either client and is a StateStore for every factory', () => {
    const fromNodeRedis = redisStore({ client: createClient() })
    const fromIoredis = redisStore({ client: new Redis({ lazyConnect: true }), prefix: 'app:' })
    expectTypeOf(fromNodeRedis).toEqualTypeOf<RedisStore>()
    expectTypeOf(fromIoredis).toExtend<StateStore>()
    expectTypeOf(fromNodeRedis.close).returns.resolves.toBeVoid()
    requireInstantUser({ db, store: fromNodeRedis })
    signOutRouter({ db, store: fromNodeRedis, scope: 'all' })
    signInRouter({ db, store: fromIoredis, authenticate: () => null })
    magicCodeRouter({ db, store: fromIoredis, sendEmail: () => {} })
  })

  it('rejects unknown and mistyped options', () => {
    // @ts-expect-error a misspelt option is a type error (and a TypeError at run time)
    redisStore({ client: createClient(), prefx: 'a' })
    // @ts-expect-error commandTimeoutMs is a number of ms
    redisStore({ client: createClient(), commandTimeoutMs: '500' })
    // @ts-expect-error client is required
    redisStore({ prefix: 'a' })
    expectTypeOf<RedisStoreOptions['prefix']>().toEqualTypeOf<string | undefined>()
  })
})
