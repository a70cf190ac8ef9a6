import { createRequire } from 'node:module'
import * as undici from 'undici'
import { describe, expect, it } from 'vitest'
import { Dispatcher, Pool, loadUndiciClass } from '../../src/admin/undici.js'

const require = createRequire(import.meta.url)

describe("the admin client's undici classes", () => {
  it("are undici's own Pool and Dispatcher, so instanceof holds across both imports", () => {
    expect(Pool).toBe(undici.Pool)
    expect(Dispatcher).toBe(undici.Dispatcher)
    expect(new undici.MockAgent()).toBeInstanceOf(Dispatcher)
  })

  it('come from the files in undici where src/admin/undici.ts looks (else it falls back to the entry point)', () => {
    expect(require('undici/lib/dispatcher/pool.js')).toBe(undici.Pool)
    expect(require('undici/lib/dispatcher/dispatcher.js')).toBe(undici.Dispatcher)
  })
})

describe('loadUndiciClass', () => {
  it("falls back to undici's entry point when the file is gone or holds something else", () => {
    const moved = (id: string): unknown => {
      if (id === 'undici') return undici
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
    }
    expect(loadUndiciClass('pool.js', 'Pool', moved)).toBe(undici.Pool)
    const renamed = (id: string): unknown => (id === 'undici' ? undici : class Other {})
    expect(loadUndiciClass('dispatcher.js', 'Dispatcher', renamed)).toBe(undici.Dispatcher)
  })
})
