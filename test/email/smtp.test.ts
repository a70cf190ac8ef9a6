import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import { smtpEmail, type SmtpEmailOptions } from '../../src/email/index.js'
import { rejection } from './rejection.js'

const CODE = '564738'
const PASSWORD = 'smtp-SECRET-password-42'

const servers: SMTPServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))))
})

/** smtpEmail to the test server on `port` (plain text, no TLS), with `auth` if given. */
function localSmtp(port: number, auth?: { user: string; pass: string }) {
  return smtpEmail({
    transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(auth && { auth }) },
    from: 'login@acme.test',
  } as SmtpEmailOptions)
}

/** A real SMTP server on 127.0.0.1:0 (no TLS); resolves its port and the parsed messages. */
async function startSmtpServer(options: SMTPServerOptions = {}) {
  const received: ParsedMail[] = []
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail)
          callback()
        },
        (err: Error) => callback(err),
      )
    },
    ...options,
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const { port } = server.server.address() as AddressInfo
  return { port, received }
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  return [value ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''))
}

describe('smtpEmail', () => {
  it('delivers the magic-code message to a real SMTP server', async () => {
    const { port, received } = await startSmtpServer()
    const sendEmail = smtpEmail({
      transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
      from: 'Acme <login@acme.test>',
      magicCode: { appName: 'Acme', expiryMinutes: 15 },
    })
    await sendEmail({ email: 'ada@example.com', code: CODE })
    sendEmail.close()

    expect(received).toHaveLength(1)
    const [mail] = received
    expect(addresses(mail?.to)).toEqual(['ada@example.com'])
    expect(mail?.from?.value[0]).toEqual({ address: 'login@acme.test', name: 'Acme' })
    expect(mail?.subject).toBe('Your sign-in code for Acme')
    expect(mail?.text).toContain(CODE)
    expect(mail?.text).toContain('15 minutes')
    expect(mail?.html).toContain(CODE)
  })

  it('uses a transporter you pass in, and leaves it open', async () => {
    const sent: unknown[] = []
    const transporter = {
      sendMail: async (mail: unknown) => {
        sent.push(mail)
      },
      close: () => {
        throw new Error('must not be closed by the provider')
      },
    }
    const sendEmail = smtpEmail({ transport: transporter, from: 'login@acme.test' })
    await sendEmail({ to: 'ada@example.com', subject: 'S', text: 'T', html: 'H' })
    sendEmail.close()
    expect(sent).toEqual([
      { from: 'login@acme.test', to: 'ada@example.com', subject: 'S', text: 'T', html: 'H' },
    ])
  })

  it('maps refused credentials to EMAIL_UNAUTHORIZED without the password or code', async () => {
    const { port } = await startSmtpServer({
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(new Error('Invalid username or password'))
      },
    })
    const sendEmail = localSmtp(port, { user: 'ada', pass: PASSWORD })
    const err = await rejection(sendEmail({ email: 'ada@example.com', code: CODE }))
    sendEmail.close()
    expect(err.code).toBe('EMAIL_UNAUTHORIZED')
    expect(err.provider).toBe('smtp')
    expect(err.status).toBe(535)
    expect((err.cause as { code?: string }).code).toBe('EAUTH')
    const text = inspect(err, { depth: Infinity, showHidden: true })
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'))
    expect(text).not.toContain(CODE)
  })

  it('maps a 5xx recipient refusal to EMAIL_REJECTED', async () => {
    const { port } = await startSmtpServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }))
      },
    })
    const sendEmail = localSmtp(port)
    const err = await rejection(sendEmail({ email: 'nobody@example.com', code: CODE }))
    sendEmail.close()
    expect(err.code).toBe('EMAIL_REJECTED')
    expect(err.status).toBe(550)
    expect(err.detail).toMatch(/^550 No such user here/)
    expect(inspect(err, { depth: Infinity })).not.toContain(CODE)
  })

  it('maps a 4xx (try later) reply to EMAIL_UNAVAILABLE', async () => {
    const { port } = await startSmtpServer({
      onMailFrom(_address, _session, callback) {
        callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
      },
    })
    const sendEmail = localSmtp(port)
    const err = await rejection(sendEmail({ email: 'ada@example.com', code: CODE }))
    sendEmail.close()
    expect(err.code).toBe('EMAIL_UNAVAILABLE')
    expect(err.status).toBe(451)
  })

  it('maps a closed port to EMAIL_UNAVAILABLE', async () => {
    const { port } = await startSmtpServer()
    await new Promise<void>((r) => servers.pop()?.close(() => r()))
    const sendEmail = localSmtp(port)
    const err = await rejection(sendEmail({ email: 'ada@example.com', code: CODE }))
    sendEmail.close()
    expect(err.code).toBe('EMAIL_UNAVAILABLE')
    expect(err.status).toBeUndefined()
    expect(inspect(err.cause)).toMatch(/ECONNREFUSED/)
  })

  it('validates its options at creation', () => {
    expect(() => smtpEmail({ transport: { host: 'x' } } as never)).toThrow(
      new TypeError('smtpEmail(): `from` must be a non-empty string; got undefined.'),
    )
    expect(() => smtpEmail({ from: 'a@b.c' } as never)).toThrow(
      new TypeError(
        'smtpEmail(): `transport` must be SMTP options ({ host, port, auth }), an smtp:// URL or a nodemailer transporter; got undefined.',
      ),
    )
    expect(() => smtpEmail({ from: 'a@b.c', transport: {}, timeoutMs: -1 })).toThrow(
      new TypeError(
        'smtpEmail(): `timeoutMs` must be a positive whole number of milliseconds up to 2147483647 (default 10000); got -1.',
      ),
    )
  })
})
