import { describe, expect, it } from 'vitest'
import { DEFAULT_APP_NAME, DEFAULT_CODE_EXPIRY_MINUTES } from '../../src/email/message.js'
import {
  durationInWords,
  escapeHtml,
  memoryEmail,
  magicCodeMessageBuilder,
  magicCodeSender,
  type EmailMessage,
} from '../../src/email/index.js'

describe('magicCodeMessageBuilder', () => {
  it('builds the default message with the code, the app name and the expiry', () => {
    const message = magicCodeMessageBuilder({ appName: 'Acme', expiryMinutes: 15 })({
      email: 'ada@example.com',
      code: '482913',
    })
    expect(message.to).toBe('ada@example.com')
    expect(message.code).toBe('482913')
    expect(message.subject).toBe('Your sign-in code for Acme')
    expect(message.text).toContain('482913')
    expect(message.text).toContain('Acme')
    expect(message.text).toContain('15 minutes')
    expect(message.html).toContain('>482913</p>')
    expect(message.html).toContain('Acme')
    expect(message.html).toContain('15 minutes')
  })

  it('states the validity the router passes (expiresInMs), over expiryMinutes', () => {
    const build = magicCodeMessageBuilder({ expiryMinutes: 30 })
    const say = (expiresInMs: number) =>
      build({ email: 'ada@example.com', code: '1', expiresInMs }).text.split('\n')[4]
    expect(say(15_000)).toBe(
      'It expires in 15 seconds. If you did not ask for it, you can ignore this email.',
    )
    expect(say(600_000)).toMatch(/^It expires in 10 minutes\./)
    expect(say(60_000)).toMatch(/^It expires in 1 minute\./)
    expect(say(1_000)).toMatch(/^It expires in 1 second\./)
    expect(say(90_500)).toMatch(/^It expires in 90 seconds\./)
    // Never more than the code lives: 150 s is "2 minutes", not 3.
    expect(say(150_000)).toMatch(/^It expires in 2 minutes\./)
    expect(say(3_600_000)).toMatch(/^It expires in 1 hour\./)
    expect(say(86_400_000)).toMatch(/^It expires in 24 hours\./)
    expect(build({ email: 'ada@example.com', code: '1', expiresInMs: 15_000 }).html).toContain(
      '<p>It expires in 15 seconds.',
    )
    // Without expiresInMs (a message not sent by magicCodeRouter), expiryMinutes speaks.
    expect(build({ email: 'ada@example.com', code: '1' }).text).toContain('expires in 30 minutes.')
  })

  it('durationInWords is exported for your own templates', () => {
    expect(durationInWords(600_000)).toBe('10 minutes')
    expect(durationInWords(15_000)).toBe('15 seconds')
  })

  it('every provider passes expiresInMs through to the message', async () => {
    const mailbox = memoryEmail()
    await mailbox({ email: 'ada@example.com', code: '123456', expiresInMs: 45_000 })
    expect(mailbox.messages[0]!.text).toContain('It expires in 45 seconds.')
  })

  it('uses the named defaults', () => {
    const message = magicCodeMessageBuilder()({ email: 'ada@example.com', code: '1' })
    expect(message.subject).toBe(`Your sign-in code for ${DEFAULT_APP_NAME}`)
    expect(message.text).toContain(`${DEFAULT_CODE_EXPIRY_MINUTES} minutes`)
  })

  it('escapes the app name and code in HTML, not in text', () => {
    const message = magicCodeMessageBuilder({ appName: 'A&B <script>"x"</script>' })({
      email: 'ada@example.com',
      code: '<1>',
    })
    expect(message.html).toContain('A&amp;B &lt;script&gt;&quot;x&quot;&lt;/script&gt;')
    expect(message.html).toContain('&lt;1&gt;')
    expect(message.html).not.toContain('<script>')
    expect(message.text).toContain('A&B <script>"x"</script>')
  })

  it('takes a replacement template', () => {
    const build = magicCodeMessageBuilder({
      appName: 'Acme',
      expiryMinutes: 5,
      template: ({ email, code, appName, expiryMinutes }) => ({
        subject: `${appName}:${expiryMinutes}`,
        text: `${email} ${code}`,
        html: `<b>${code}</b>`,
      }),
    })
    expect(build({ email: 'ada@example.com', code: '42' })).toEqual({
      to: 'ada@example.com',
      subject: 'Acme:5',
      text: 'ada@example.com 42',
      html: '<b>42</b>',
      code: '42',
    })
  })

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => magicCodeMessageBuilder({ appName: '' })).toThrow(
      new TypeError(
        'magicCodeMessageBuilder(): `appName` must be a non-empty string; got a string.',
      ),
    )
    expect(() => magicCodeMessageBuilder({ expiryMinutes: 0 })).toThrow(
      new TypeError(
        'magicCodeMessageBuilder(): `expiryMinutes` must be a positive number of minutes (default 10); got 0.',
      ),
    )
    expect(() => magicCodeMessageBuilder({ template: 'x' as never })).toThrow(
      new TypeError(
        'magicCodeMessageBuilder(): `template` must be a function ({ email, code, ... }) => ({ subject, text, html }); got a string.',
      ),
    )
  })
})

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;')
  })
})

describe('magicCodeSender', () => {
  it('turns { email, code } into a full message for any send function', async () => {
    const sent: EmailMessage[] = []
    const sendEmail = magicCodeSender(
      async (message) => {
        sent.push(message)
      },
      { appName: 'Acme' },
    )
    await sendEmail({ email: ' ada@example.com ', code: '777111' })
    expect(sent).toHaveLength(1)
    expect(sent[0]?.to).toBe('ada@example.com')
    expect(sent[0]?.subject).toBe('Your sign-in code for Acme')
    expect(sent[0]?.text).toContain('777111')
  })

  it('rejects a provider that is not a function', () => {
    expect(() => magicCodeSender('resend' as never)).toThrow(TypeError)
  })
})
