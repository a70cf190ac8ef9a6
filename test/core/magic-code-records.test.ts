import { afterEach, describe, expect, it, vi } from 'vitest'
import { magicCodeRecords, type CodeBudget } from '../../src/core/magic-code-records.js'
import { memoryStore } from '../../src/core/state-store.js'

const BUDGET: CodeBudget = {
  ttlMs: 600_000,
  attemptsPerCode: 5,
  dailySendsPerEmail: 20,
  dailyAttemptsPerEmail: 50,
  dailyAttemptsPerClient: 20,
}
const EMAIL = 'ada@example.com'

afterEach(() => void vi.useRealTimers())

describe('magicCodeRecords', () => {
  it('accepts the latest code once; an earlier one is rejected', async () => {
    const records = magicCodeRecords(memoryStore(), BUDGET)
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
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, ttlMs: 1_000 })
    await records.issue(EMAIL, '123456')
    vi.setSystemTime(Date.now() + 1_000)
    expect(await records.check(EMAIL, 'ip', '123456')).toMatchObject({ outcome: 'rejected' })
  })

  it('concurrent guesses cannot overrun a ceiling: exactly 5 compared per code, 50 per email per day', async () => {
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, dailyAttemptsPerClient: 1_000 })
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
    const records = magicCodeRecords(memoryStore(), { ...BUDGET, attemptsPerCode: 100 })
    await records.issue(EMAIL, '123456')
    for (let i = 0; i < 20; i++) await records.check(EMAIL, 'attacker', '000000')
    expect(await records.check(EMAIL, 'attacker', '123456')).toMatchObject({ outcome: 'limited' })
    expect(await records.check(EMAIL, 'victim', '123456')).toMatchObject({ outcome: 'accepted' })
  })

  it('sends: 20 per email per day, then refused until the window ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const records = magicCodeRecords(memoryStore(), BUDGET)
    const start = Date.now()
    for (let i = 0; i < 20; i++) expect(await records.reserveSend(EMAIL)).toEqual({ allowed: true })
    expect(await records.reserveSend(EMAIL)).toEqual({
      allowed: false,
      resetAt: start + 24 * 60 * 60_000,
    })
    expect(await records.reserveSend('bob@example.com')).toEqual({ allowed: true })
  })

  it('restore makes an accepted code valid again (Instant could not be asked)', async () => {
    const records = magicCodeRecords(memoryStore(), BUDGET)
    await records.issue(EMAIL, '123456')
    const accepted = await records.check(EMAIL, 'ip', '123456')
    if (accepted.outcome !== 'accepted') throw new Error('expected accepted')
    await records.restore(accepted)
    expect(await records.check(EMAIL, 'ip', '123456')).toMatchObject({ outcome: 'accepted' })
  })
})
