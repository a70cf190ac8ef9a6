import { createHash, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { magicCodeRecords, type CodeBudget } from '../../src/magic-code/magic-code-records.js'
import { memoryStore, type StateStore } from '../../src/state-store.js'

const BUDGET: CodeBudget = {
  ttlMs: 600_000,
  attemptsPerCode: 5,
  dailySendsPerEmail: 20,
  dailyAttemptsPerEmail: 50,
  dailyAttemptsPerClient: 20,
}
const EMAIL = 'ada@example.com'
const KEY = createSecretKey(randomBytes(32))
/** `codeSecret: [current, ...previous]`, resolved. */
function keysOf(current: KeyObject, ...previous: KeyObject[]) {
  return { current, all: [current, ...previous] } as const
}
/** One key, no rotation. */
const KEYS = keysOf(KEY)

afterEach(() => void vi.useRealTimers())

describe('magicCodeRecords', () => {
  it('accepts the latest code once; an earlier one is rejected', async () => {
    const records = magicCodeRecords(memoryStore(), BUDGET, KEYS)
    await records.issue(EMAIL, '111111')
    await records.issue(EMAIL, '222222')
    expect(await records.check(EMAIL, 'ip', '111111')).toEqual({
      outcome: 'rejected',
      reason: 'wrong',
    })
    expect(await records.check(EMAIL, 'ip', '222222')).toEqual({
      outcome: 'accepted',
      id: expect.any(String),
      expiresAt: expect.any(Number),
    })
    expect(await records.check(EMAIL, 'ip', '222222')).toEqual({
      outcome: 'rejected',
      reason: 'used',
    })
    expect(await records.check('bob@example.com', 'ip', '222222')).toEqual({
      outcome: 'rejected',
      reason: 'none',
    })
  })

  it('expires after ttlMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, ttlMs: 1_000 }, KEYS)
    await records.issue(EMAIL, '123456')
    vi.setSystemTime(Date.now() + 1_000)
    expect(await records.check(EMAIL, 'ip', '123456')).toMatchObject({ outcome: 'rejected' })
  })

  it('concurrent guesses cannot overrun a ceiling: exactly 5 compared per code, 50 per email per day', async () => {
    const records = magicCodeRecords(
      memoryStore(),
      { ...BUDGET, dailyAttemptsPerClient: 1_000 },
      KEYS,
    )
    await records.issue(EMAIL, '123456')
    const first = await Promise.all(
      Array.from({ length: 30 }, () => records.check(EMAIL, 'ip', '000000')),
    )
    expect(first.filter((c) => c.outcome === 'rejected' && c.reason === 'wrong')).toHaveLength(5)
    expect(first.filter((c) => c.outcome === 'rejected' && c.reason === 'burned')).toHaveLength(25)
    await records.issue(EMAIL, '654321')
    const second = await Promise.all(
      Array.from({ length: 40 }, () => records.check(EMAIL, 'ip', '654321')),
    )
    // 30 of the day's 50 attempts are spent: 20 more are looked at, one of them consumes the code.
    expect(second.filter((c) => c.outcome === 'limited')).toHaveLength(20)
    expect(second.filter((c) => c.outcome === 'accepted')).toHaveLength(1)
    expect(second.filter((c) => c.outcome === 'rejected' && c.reason === 'used')).toHaveLength(4)
    expect(second.filter((c) => c.outcome === 'rejected' && c.reason === 'burned')).toHaveLength(15)
  })

  it('one client has its own, lower daily ceiling', async () => {
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, attemptsPerCode: 100 }, KEYS)
    await records.issue(EMAIL, '123456')
    for (let i = 0; i < 20; i++) await records.check(EMAIL, 'attacker', '000000')
    expect(await records.check(EMAIL, 'attacker', '123456')).toMatchObject({ outcome: 'limited' })
    expect(await records.check(EMAIL, 'victim', '123456')).toMatchObject({ outcome: 'accepted' })
  })

  it('sends: 20 per email per day, then refused until the window ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const records = magicCodeRecords(memoryStore(), BUDGET, KEYS)
    const start = Date.now()
    for (let i = 0; i < 20; i++) expect(await records.reserveSend(EMAIL)).toEqual({ allowed: true })
    expect(await records.reserveSend(EMAIL)).toEqual({
      allowed: false,
      resetAt: start + 24 * 60 * 60_000,
    })
    expect(await records.reserveSend('bob@example.com')).toEqual({ allowed: true })
  })

  it('restore makes an accepted code valid again (Instant could not be asked)', async () => {
    const records = magicCodeRecords(memoryStore(), BUDGET, KEYS)
    await records.issue(EMAIL, '123456')
    const accepted = await records.check(EMAIL, 'ip', '123456')
    if (accepted.outcome !== 'accepted') throw new Error('expected accepted')
    await records.restore(accepted)
    expect(await records.check(EMAIL, 'ip', '123456')).toMatchObject({ outcome: 'accepted' })
  })
})

/** A memory store that also shows what a store reader would see: every key and value written. */
function readableStore(): StateStore & { written: Map<string, string> } {
  const base = memoryStore()
  const written = new Map<string, string>()
  return {
    ...base,
    written,
    hit: (key, windowMs) => (written.set(key, 'counter'), base.hit(key, windowMs)),
    put: (key, value, ttlMs) => (written.set(key, value), base.put(key, value, ttlMs)),
  }
}

/**
 * Counts sequential round trips: operations started in the same tick share one round, as
 * commands sent together share one network round trip to Redis.
 */
function roundCountingStore(): StateStore & { rounds(): number } {
  const base = memoryStore()
  let rounds = 0
  let batch: Array<() => void> | undefined
  const later =
    <A extends unknown[], T>(op: (...args: A) => Promise<T>) =>
    (...args: A): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (batch === undefined) {
          const current: Array<() => void> = []
          batch = current
          rounds += 1
          setImmediate(() => {
            batch = undefined
            for (const run of current) run()
          })
        }
        batch.push(() => void op(...args).then(resolve, reject))
      })
  return {
    hit: later(base.hit),
    put: later(base.put),
    get: later(base.get),
    take: later(base.take),
    delete: later(base.delete),
    rounds: () => rounds,
  }
}

describe('what a store reader learns', () => {
  it('no code: the record holds a keyed MAC, matching no unkeyed hash of the code', async () => {
    const store = readableStore()
    const records = magicCodeRecords(store, BUDGET, KEYS)
    const code = '042917'
    await records.issue(EMAIL, code)
    const values = [...store.written.values()].filter((v) => v.startsWith('{'))
    expect(values).toHaveLength(1)
    const record = JSON.parse(values[0]!) as Record<string, unknown>
    expect(Object.keys(record).sort()).toEqual(['id', 'issuedAt', 'mac'])
    const id = record['id'] as string
    // Every unkeyed hash a reader could brute-force the 10^6 codes with, for the real code only:
    // the old record's sha256(id:code) among them.
    const unkeyed = new Set<string>()
    for (const input of [
      code,
      `${id}:${code}`,
      `${id}${code}`,
      `${code}:${id}`,
      `${id}\n${code}`,
    ]) {
      for (const algorithm of ['sha256', 'sha512', 'sha1', 'md5']) {
        for (const encoding of ['base64url', 'base64', 'hex'] as const) {
          unkeyed.add(createHash(algorithm).update(input).digest(encoding))
        }
      }
    }
    expect(unkeyed.has(createHash('sha256').update(`${id}:${code}`).digest('base64url'))).toBe(true)
    expect(unkeyed.has(record['mac'] as string)).toBe(false)
    expect(JSON.stringify(record)).not.toContain(code)
    // With the key, the MAC is what the records compute; without it, nothing to try codes against.
    expect(record['mac']).toBe(
      createHmac('sha256', KEY).update(`code\n${id}\n${code}\n${EMAIL}`).digest('base64url'),
    )
  })

  it('no email: keys name emails and clients by MACs, not by the unkeyed hash a list of emails could be tried against', async () => {
    const store = readableStore()
    const records = magicCodeRecords(store, BUDGET, KEYS)
    await records.reserveSend(EMAIL)
    await records.issue(EMAIL, '123456')
    await records.check(EMAIL, '10.0.0.1', '000000')
    const keys = [...store.written.keys()]
    expect(keys).toHaveLength(6)
    const unkeyedTag = createHash('sha256').update(EMAIL).digest('base64url').slice(0, 32)
    for (const key of keys) {
      expect(key).toMatch(/^iea:code(-live|-attempts|-sends-day|-attempts-day)?:([ec]:)?[\w-]+$/)
      expect(key).not.toContain(unkeyedTag)
      expect(key).not.toContain('ada')
      expect(key).not.toContain('10.0.0.1')
    }
  })

  it('a record written under another key, or in the old unkeyed format, does not verify', async () => {
    const store = readableStore()
    await magicCodeRecords(store, BUDGET, keysOf(createSecretKey(randomBytes(32)))).issue(
      EMAIL,
      '123456',
    )
    const records = magicCodeRecords(store, BUDGET, KEYS)
    // Another key names the email differently, so this key finds no record at all…
    expect(await records.check(EMAIL, 'ip', '123456')).toEqual({
      outcome: 'rejected',
      reason: 'none',
    })
    // …and a record moved under this key's name does not match either.
    await records.issue(EMAIL, '999999')
    const recordKey = [...store.written.keys()].filter((k) => k.startsWith('iea:code:e:'))
    expect(recordKey).toHaveLength(2)
    const [foreign, own] = recordKey.map((k) => store.written.get(k)!)
    await store.put(recordKey[1]!, foreign!, BUDGET.ttlMs)
    expect(await records.check(EMAIL, 'ip', '123456')).toEqual({
      outcome: 'rejected',
      reason: 'wrong',
    })
    // An old-format record (sha256(id:code), no MAC) reads as none: the user asks for a new code.
    const { id, issuedAt } = JSON.parse(own!) as { id: string; issuedAt: number }
    const hash = createHash('sha256').update(`${id}:999999`).digest('base64url')
    await store.put(recordKey[1]!, JSON.stringify({ id, hash, issuedAt }), BUDGET.ttlMs)
    expect(await records.check(EMAIL, 'ip', '999999')).toEqual({
      outcome: 'rejected',
      reason: 'none',
    })
  })
})

describe('store round trips', () => {
  it('a send reserves in one, issues in one; a wrong guess costs two, a right one three', async () => {
    const store = roundCountingStore()
    const records = magicCodeRecords(store, BUDGET, KEYS)
    const rounds = async (op: () => Promise<unknown>): Promise<number> => {
      const before = store.rounds()
      await op()
      return store.rounds() - before
    }
    expect(await rounds(() => records.reserveSend(EMAIL))).toBe(1)
    expect(await rounds(() => records.issue(EMAIL, '123456'))).toBe(1)
    expect(await rounds(() => records.check(EMAIL, 'ip', '000000'))).toBe(2)
    expect(await rounds(() => records.check(EMAIL, 'ip', '123456'))).toBe(3)
    expect(await rounds(() => records.check('bob@example.com', 'ip', '123456'))).toBe(1)
  })

  it('guesses with no code pending count against the daily ceilings too (a 429 tells nothing)', async () => {
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, dailyAttemptsPerEmail: 3 }, KEYS)
    for (let i = 0; i < 3; i++) {
      expect(await records.check(EMAIL, `ip${i}`, '000000')).toEqual({
        outcome: 'rejected',
        reason: 'none',
      })
    }
    await records.issue(EMAIL, '123456')
    expect(await records.check(EMAIL, 'ip9', '123456')).toMatchObject({ outcome: 'limited' })
  })
})

describe('rotating codeSecret: [current, ...previous]', () => {
  const NEW = createSecretKey(randomBytes(32))

  it('a code issued under the previous key still verifies once after the rotation', async () => {
    const store = memoryStore()
    await magicCodeRecords(store, BUDGET, keysOf(KEY)).issue(EMAIL, '123456')
    const rotated = magicCodeRecords(store, BUDGET, keysOf(NEW, KEY))
    expect(await rotated.check(EMAIL, 'ip', '654321')).toEqual({
      outcome: 'rejected',
      reason: 'wrong',
    })
    expect(await rotated.check(EMAIL, 'ip', '123456')).toMatchObject({ outcome: 'accepted' })
    expect(await rotated.check(EMAIL, 'ip', '123456')).toEqual({
      outcome: 'rejected',
      reason: 'used',
    })
    // Once the previous key is dropped, nothing of it verifies.
    await magicCodeRecords(store, BUDGET, keysOf(KEY)).issue(EMAIL, '111111')
    expect(await magicCodeRecords(store, BUDGET, keysOf(NEW)).check(EMAIL, 'ip', '111111')).toEqual(
      { outcome: 'rejected', reason: 'none' },
    )
  })

  it("only the latest code verifies across a rotation: a new issue removes the previous key's record", async () => {
    const store = memoryStore()
    await magicCodeRecords(store, BUDGET, keysOf(KEY)).issue(EMAIL, '111111')
    const rotated = magicCodeRecords(store, BUDGET, keysOf(NEW, KEY))
    await rotated.issue(EMAIL, '222222')
    expect(await rotated.check(EMAIL, 'ip', '111111')).toEqual({
      outcome: 'rejected',
      reason: 'wrong',
    })
    // Even read under the previous key alone, the old code is gone.
    expect(await magicCodeRecords(store, BUDGET, keysOf(KEY)).check(EMAIL, 'ip', '111111')).toEqual(
      { outcome: 'rejected', reason: 'none' },
    )
    expect(await rotated.check(EMAIL, 'ip', '222222')).toMatchObject({ outcome: 'accepted' })
  })

  it('the daily ceilings hold across a rotation: counts under the previous key go on counting', async () => {
    const store = memoryStore()
    const budget = { ...BUDGET, dailyAttemptsPerEmail: 4, dailySendsPerEmail: 2 }
    const before = magicCodeRecords(store, budget, keysOf(KEY))
    await before.reserveSend(EMAIL)
    await before.reserveSend(EMAIL)
    for (let i = 0; i < 4; i++) await before.check(EMAIL, `ip${i}`, '000000')
    const rotated = magicCodeRecords(store, budget, keysOf(NEW, KEY))
    expect(await rotated.reserveSend(EMAIL)).toMatchObject({ allowed: false })
    expect(await rotated.check(EMAIL, 'ip9', '000000')).toMatchObject({ outcome: 'limited' })
    // Without the previous key the counters start afresh: that is what keeping it buys.
    expect(await magicCodeRecords(store, budget, keysOf(NEW)).reserveSend(EMAIL)).toEqual({
      allowed: true,
    })
  })

  it('two keys cost no extra round trip', async () => {
    const store = roundCountingStore()
    const records = magicCodeRecords(store, BUDGET, keysOf(NEW, KEY))
    const rounds = async (op: () => Promise<unknown>): Promise<number> => {
      const before = store.rounds()
      await op()
      return store.rounds() - before
    }
    expect(await rounds(() => records.reserveSend(EMAIL))).toBe(1)
    expect(await rounds(() => records.issue(EMAIL, '123456'))).toBe(1)
    expect(await rounds(() => records.check(EMAIL, 'ip', '000000'))).toBe(2)
    expect(await rounds(() => records.check(EMAIL, 'ip', '123456'))).toBe(3)
  })
})
