import { afterAll, describe, expect, it } from 'vitest'
import {
  PORT_RULE,
  expectedNumber,
  fitsNumberRule,
  resolveBytes,
  resolveNumber,
  resolvePositiveInt,
  resolveTimeoutMs,
} from '../../src/options/numbers.js'
import { MAX_TIMEOUT_MS } from '../../src/options/timeout.js'
import { FACTORIES, db, optionsWith } from './numeric-options.js'

afterAll(() => db.close())

const where = { factory: 'someFactory', option: 'group.fooMs', default: 1234 }

describe('resolveNumber', () => {
  it('gives the default for undefined and the value when it fits', () => {
    expect(resolveNumber(undefined, where)).toBe(1234)
    expect(resolveNumber(0.5, where)).toBe(0.5)
    expect(resolveNumber(7, { ...where, integer: true, min: 7, max: 7 })).toBe(7)
    expect(resolveNumber(0, { ...where, min: 0 })).toBe(0)
    expect(resolveNumber(Infinity, { ...where, infinity: true })).toBe(Infinity)
  })

  it('throws one message: factory, option path, expectation, default, value', () => {
    expect(() => resolveNumber(-1, { ...where, unit: 'milliseconds', max: 10 })).toThrow(
      new TypeError(
        'someFactory(): `group.fooMs` must be a positive number of milliseconds up to 10 (default 1234); got -1.',
      ),
    )
  })

  it('requires a value when there is no default', () => {
    expect(() => resolveNumber(undefined, { factory: 'f', option: 'n' })).toThrow(
      new TypeError('f(): `n` must be a positive number; got undefined.'),
    )
  })

  it('shows numbers and booleans, and of anything else only its type (a string may be a secret)', () => {
    const got = (value: unknown): string => {
      try {
        resolveNumber(value, { factory: 'f', option: 'n' })
      } catch (error) {
        return (error as Error).message.replace('f(): `n` must be a positive number; got ', '')
      }
      throw new Error('no error')
    }
    expect(got(-0)).toBe('-0.')
    expect(got(Number.NaN)).toBe('NaN.')
    expect(got(-Infinity)).toBe('-Infinity.')
    expect(got(false)).toBe('false.')
    expect(got(null)).toBe('null.')
    expect(got('re_live_0123456789')).toBe('a string.')
    expect(got(5n)).toBe('a bigint.')
    expect(got(Symbol('s'))).toBe('a symbol.')
    expect(got(() => 1)).toBe('a function.')
    expect(got([])).toBe('an array.')
    expect(got(new Date(0))).toBe('an object.')
  })
})

describe('fitsNumberRule', () => {
  it.each([
    [1, {}, true],
    [0, {}, false],
    [0, { min: 0 }, true],
    [-0.5, { min: 0 }, false],
    [Number.NaN, { min: 0 }, false],
    [Infinity, {}, false],
    [Infinity, { infinity: true }, true],
    [-Infinity, { infinity: true, min: 0 }, false],
    [1.5, { integer: true }, false],
    [Number.MAX_SAFE_INTEGER, { integer: true }, true],
    [Number.MAX_SAFE_INTEGER + 1, { integer: true }, false],
    [10, { max: 10 }, true],
    [10.5, { max: 10 }, false],
    [999, { min: 1000 }, false],
    ['1', {}, false],
    [65_535, PORT_RULE, true],
    [65_536, PORT_RULE, false],
  ] as const)('%s with %o: %s', (value, rule, fits) => {
    expect(fitsNumberRule(value, rule)).toBe(fits)
  })
})

describe('expectedNumber', () => {
  it.each([
    [{}, 'a positive number'],
    [{ integer: true }, 'a positive integer'],
    [{ integer: true, unit: 'bytes' }, 'a positive whole number of bytes'],
    [{ unit: 'milliseconds', max: 5 }, 'a positive number of milliseconds up to 5'],
    [{ min: 0 }, 'a non-negative number'],
    [{ min: 0, max: 9, unit: 'seconds' }, 'a number of seconds from 0 to 9'],
    [{ min: 1000, unit: 'milliseconds' }, 'a number of milliseconds of at least 1000'],
    [PORT_RULE, 'an integer from 0 to 65535'],
    [{ integer: true, infinity: true }, 'a positive integer, or Infinity for no limit'],
  ] as const)('%o: %s', (rule, text) => {
    expect(expectedNumber(rule)).toBe(text)
  })
})

describe('the named helpers', () => {
  it('resolveTimeoutMs: positive ms up to what setTimeout honours; whole ms on request', () => {
    expect(resolveTimeoutMs(MAX_TIMEOUT_MS, where)).toBe(MAX_TIMEOUT_MS)
    expect(resolveTimeoutMs(0.5, where)).toBe(0.5)
    expect(() => resolveTimeoutMs(MAX_TIMEOUT_MS + 1, where)).toThrow(
      new TypeError(
        'someFactory(): `group.fooMs` must be a positive number of milliseconds up to 2147483647 (default 1234); got 2147483648.',
      ),
    )
    expect(() => resolveTimeoutMs(0.5, { ...where, integer: true })).toThrow(
      new TypeError(
        'someFactory(): `group.fooMs` must be a positive whole number of milliseconds up to 2147483647 (default 1234); got 0.5.',
      ),
    )
  })

  it('resolvePositiveInt and resolveBytes: whole numbers from 1', () => {
    expect(resolvePositiveInt(1, where)).toBe(1)
    expect(resolveBytes(undefined, where)).toBe(1234)
    expect(() => resolvePositiveInt(2, { ...where, max: 1, unit: 'tries' })).toThrow(
      new TypeError(
        'someFactory(): `group.fooMs` must be a positive whole number of tries up to 1 (default 1234); got 2.',
      ),
    )
    expect(() => resolveBytes(0, where)).toThrow(
      new TypeError(
        'someFactory(): `group.fooMs` must be a positive whole number of bytes (default 1234); got 0.',
      ),
    )
  })
})

/** The factory's error, whether it throws or (async) rejects. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (error) {
    return error
  }
  return undefined
}

describe('every numeric option of every factory', () => {
  const rows = Object.entries(FACTORIES).flatMap(([factory, { call, cases }]) =>
    Object.entries(
      cases as Record<string, { expected: string; bad: readonly (readonly [unknown, string])[] }>,
    ).map(([option, { expected, bad }]) => ({ factory, call, option, expected, bad })),
  )

  it('has rows for each factory', () => {
    expect(rows.length).toBeGreaterThan(60)
  })

  it.each(rows.map((row) => [`${row.factory}: ${row.option}`, row] as const))(
    '%s: each bad value throws a TypeError with the exact message',
    async (_name, { factory, call, option, expected, bad }) => {
      for (const [value, shown] of bad) {
        const error = await errorOf(() => call(optionsWith({}, option, value)))
        expect(error, `${option} = ${shown}`).toEqual(
          new TypeError(`${factory}(): \`${option}\` must be ${expected}; got ${shown}.`),
        )
        expect(error).toBeInstanceOf(TypeError)
      }
    },
  )
})
