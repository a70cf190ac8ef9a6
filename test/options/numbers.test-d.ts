import { expectTypeOf, test } from 'vitest'
import type { InitConfig } from '../../src/admin/index.js'
import type { LocalInstantOptions } from '../../src/local/index.js'
import type { InstantUserOptions, MagicCodeRouterOptions } from '../../src/index.js'
import type { FACTORIES, NumericPaths } from './numeric-options.js'

// numeric-options.ts types each factory's rows against its options interface (`satisfies`), so
// a numeric option added without a row fails this type check; these spell out a few of them.
test('the numeric-option table lists exactly the numeric options', () => {
  expectTypeOf<keyof typeof FACTORIES.requireInstantUser.cases>().toEqualTypeOf<
    NumericPaths<InstantUserOptions, 'cache' | 'cookie'>
  >()
  expectTypeOf<keyof typeof FACTORIES.magicCodeRouter.cases>().toEqualTypeOf<
    NumericPaths<MagicCodeRouterOptions, 'cookie' | 'dailyLimits'>
  >()
  expectTypeOf<
    keyof (typeof FACTORIES)['instant-express-auth/admin init']['cases']
  >().toEqualTypeOf<
    'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxResponseBytes'
  >()
  expectTypeOf<NumericPaths<InitConfig>>().toEqualTypeOf<
    'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'maxResponseBytes'
  >()
  expectTypeOf<keyof typeof FACTORIES.startLocalInstant.cases>().toEqualTypeOf<
    NumericPaths<LocalInstantOptions>
  >()
})
