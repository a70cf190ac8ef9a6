import { createRequire } from 'node:module'
import * as undici from 'undici'
import { describe, expect, it } from 'vitest'
import { Dispatcher, Pool } from '../../src/admin/undici.js'

const require = createRequire(import.meta.url)

describe("the admin client's undici classes", () => {
  it("are undici's own Pool and Dispatcher, so instanceof holds across both imports", () => {
    expect(Pool).toBe(undici.Pool)
    expect(Dispatcher).toBe(undici.Dispatcher)
    expect(new undici.MockAgent()).toBeInstanceOf(Dispatcher)
  })

  it("come from the modules undici's entry point re-exports (the paths src/admin/undici.ts imports)", () => {
    expect(require('undici/lib/dispatcher/pool.js')).toBe(undici.Pool)
    expect(require('undici/lib/dispatcher/dispatcher.js')).toBe(undici.Dispatcher)
    expect(require.resolve('undici/lib/dispatcher/pool.js')).toBe(
      require.resolve('undici').replace(/index\.js$/, 'lib/dispatcher/pool.js'),
    )
  })
})
