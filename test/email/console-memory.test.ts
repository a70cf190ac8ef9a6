import { afterEach, describe, expect, it, vi } from 'vitest'
import { consoleEmail, memoryEmail, defineEmailProvider } from '../../src/email/index.js'

function fakeLogger() {
  return { info: vi.fn<(message: string) => void>(), warn: vi.fn<(message: string) => void>() }
}

describe('consoleEmail', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('prints the magic code to the injected logger', async () => {
    const logger = fakeLogger()
    await consoleEmail({ logger })({ email: 'ada@example.com', code: '123456' })
    expect(logger.info).toHaveBeenCalledTimes(1)
    expect(logger.info).toHaveBeenCalledWith(
      '[instant-express-auth] magic code for ada@example.com: 123456',
    )
  })

  it('prints subject and text of a message without a code', async () => {
    const logger = fakeLogger()
    await consoleEmail({ logger })({
      to: 'ada@example.com',
      subject: 'Hello',
      text: 'Body',
      html: '<p>Body</p>',
    })
    expect(logger.info).toHaveBeenCalledWith(
      '[instant-express-auth] email to ada@example.com: Hello\nBody',
    )
  })

  it('warns once when created in production', () => {
    vi.stubEnv('NODE_ENV', 'production')
    const logger = fakeLogger()
    consoleEmail({ logger })
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/consoleEmail\(\) prints sign-in codes/)
  })

  it('rejects a logger without info/warn', () => {
    expect(() => consoleEmail({ logger: {} as never })).toThrow(
      new TypeError(
        'consoleEmail(): `logger` must have info(message) and warn(message); got an object.',
      ),
    )
  })
})

describe('memoryEmail', () => {
  it('records messages and finds the latest code per address, case-insensitively', async () => {
    const mailbox = memoryEmail({ magicCode: { appName: 'Acme' } })
    await mailbox({ email: 'ada@example.com', code: '111111' })
    await mailbox({ email: 'bob@example.com', code: '222222' })
    await mailbox({ email: 'ada@example.com', code: '333333' })
    expect(mailbox.messages.map((m) => [m.to, m.code])).toEqual([
      ['ada@example.com', '111111'],
      ['bob@example.com', '222222'],
      ['ada@example.com', '333333'],
    ])
    expect(mailbox.messages[0]?.subject).toBe('Your sign-in code for Acme')
    expect(mailbox.lastCodeFor(' ADA@example.com ')).toBe('333333')
    expect(mailbox.lastCodeFor('bob@example.com')).toBe('222222')
    expect(mailbox.lastCodeFor('eve@example.com')).toBeUndefined()
    mailbox.clear()
    expect(mailbox.messages).toEqual([])
    expect(mailbox.lastCodeFor('ada@example.com')).toBeUndefined()
  })

  it('keeps full messages as given', async () => {
    const mailbox = memoryEmail()
    const message = { to: 'ada@example.com', subject: 'S', text: 'T', html: '<p>H</p>' }
    await mailbox(message)
    expect(mailbox.messages).toEqual([message])
  })

  it('rejects input that is neither shape with a TypeError', async () => {
    const mailbox = memoryEmail()
    await expect(mailbox({ email: '', code: '1' })).rejects.toThrow(TypeError)
    await expect(mailbox({ to: 'a@b.c' } as never)).rejects.toThrow(TypeError)
    await expect(mailbox(null as never)).rejects.toThrow(TypeError)
    expect(mailbox.messages).toEqual([])
  })
})

describe('defineEmailProvider', () => {
  it('makes a custom provider accept both shapes', async () => {
    const sent: string[] = []
    const provider = defineEmailProvider(async ({ to, subject }) => {
      sent.push(`${to}|${subject}`)
    })
    await provider({ email: 'ada@example.com', code: '9' })
    await provider({ to: 'bob@example.com', subject: 'Hi', text: '', html: '' })
    expect(sent).toEqual(['ada@example.com|Your sign-in code for your app', 'bob@example.com|Hi'])
  })

  it('validates its options at creation', () => {
    expect(() => defineEmailProvider('x' as never)).toThrow(TypeError)
    expect(() => defineEmailProvider(async () => {}, { magicCode: { expiryMinutes: -1 } })).toThrow(
      /magicCode\.expiryMinutes/,
    )
  })
})
