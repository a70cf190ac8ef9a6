import { describe, expect, it } from 'vitest'
import {
  EmailProviderError,
  failover,
  isEmailProviderError,
  memoryEmail,
  type EmailProvider,
} from '../../src/email/index.js'

function failing(code: EmailProviderError['code'], provider: string): EmailProvider {
  return async () => {
    throw new EmailProviderError(code, `${provider} failed`, { provider })
  }
}

describe('failover', () => {
  it('uses the first provider when it succeeds', async () => {
    const first = memoryEmail()
    const second = memoryEmail()
    await failover([first, second])({ email: 'ada@example.com', code: '1' })
    expect(first.lastCodeFor('ada@example.com')).toBe('1')
    expect(second.messages).toEqual([])
  })

  it('moves on when the first fails, and reports the failure', async () => {
    const second = memoryEmail()
    const reported: [unknown, number][] = []
    const sendEmail = failover([failing('EMAIL_UNAVAILABLE', 'resend'), second], {
      onFailover: (error, index) => reported.push([error, index]),
    })
    await sendEmail({ email: 'ada@example.com', code: '2' })
    expect(second.lastCodeFor('ada@example.com')).toBe('2')
    expect(reported).toHaveLength(1)
    expect(reported[0]?.[1]).toBe(0)
    expect((reported[0]?.[0] as EmailProviderError).provider).toBe('resend')
  })

  it('rejects with a typed aggregate when all fail', async () => {
    const reported: number[] = []
    const sendEmail = failover(
      [failing('EMAIL_UNAVAILABLE', 'resend'), failing('EMAIL_TIMEOUT', 'smtp')],
      { onFailover: (_e, index) => reported.push(index) },
    )
    const err = await sendEmail({ email: 'ada@example.com', code: '3' }).catch((e: unknown) => e)
    expect(isEmailProviderError(err)).toBe(true)
    const error = err as EmailProviderError
    expect(error.code).toBe('EMAIL_UNAVAILABLE')
    expect(error.provider).toBe('failover')
    expect(error.message).toBe('All 2 email providers failed')
    expect(error.errors?.map((e) => (e as EmailProviderError).provider)).toEqual(['resend', 'smtp'])
    expect(error.cause).toBeInstanceOf(AggregateError)
    expect((error.cause as AggregateError).errors).toEqual(error.errors)
    expect(reported).toEqual([0])
  })

  it('keeps the code when every provider failed the same way', async () => {
    const sendEmail = failover([
      failing('EMAIL_RATE_LIMITED', 'a'),
      failing('EMAIL_RATE_LIMITED', 'b'),
    ])
    await expect(sendEmail({ email: 'ada@example.com', code: '4' })).rejects.toMatchObject({
      code: 'EMAIL_RATE_LIMITED',
      provider: 'failover',
    })
  })

  it('validates its providers at creation', () => {
    expect(() => failover([])).toThrow(
      new TypeError(
        'failover(): `providers` must be a non-empty array of email providers; got an array.',
      ),
    )
    expect(() => failover([memoryEmail(), 'x' as never])).toThrow(
      new TypeError('failover(): `providers[1]` must be an email provider function; got a string.'),
    )
    expect(() => failover([memoryEmail()], { onFailover: 1 as never })).toThrow(
      new TypeError('failover(): `onFailover` must be a function (error, index) => void; got 1.'),
    )
  })
})
