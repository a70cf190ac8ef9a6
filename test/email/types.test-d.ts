import { describe, expectTypeOf, it } from 'vitest'
import {
  consoleEmail,
  failover,
  magicCodeSender,
  memoryEmail,
  postmarkEmail,
  resendEmail,
  sendgridEmail,
  smtpEmail,
} from '../../src/email/index.js'

/** The shape `magicCodeRouter({ sendEmail })` takes. */
type SendEmail = (input: { email: string; code: string }) => Promise<void>

describe('email provider types', () => {
  it('every provider is a ready sendEmail for magicCodeRouter', () => {
    expectTypeOf(resendEmail({ apiKey: 'k', from: 'a@b.c' })).toExtend<SendEmail>()
    expectTypeOf(postmarkEmail({ serverToken: 'k', from: 'a@b.c' })).toExtend<SendEmail>()
    expectTypeOf(sendgridEmail({ apiKey: 'k', from: 'a@b.c' })).toExtend<SendEmail>()
    expectTypeOf(smtpEmail({ transport: 'smtp://localhost', from: 'a@b.c' })).toExtend<SendEmail>()
    expectTypeOf(consoleEmail()).toExtend<SendEmail>()
    expectTypeOf(memoryEmail()).toExtend<SendEmail>()
    expectTypeOf(failover([memoryEmail(), consoleEmail()])).toExtend<SendEmail>()
    expectTypeOf(magicCodeSender(memoryEmail())).toExtend<SendEmail>()
  })

  it('requires each provider’s key and sender', () => {
    // @ts-expect-error apiKey is required
    resendEmail({ from: 'a@b.c' })
    // @ts-expect-error Postmark takes serverToken, not apiKey
    postmarkEmail({ apiKey: 'k', from: 'a@b.c' })
    // @ts-expect-error from is required
    sendgridEmail({ apiKey: 'k' })
  })
})
