/** No response body or header, log line or event carries a secret the request did not ask for. */
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import {
  magicCodeRouter,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../src/index.js'
import type { KitEvent } from '../src/options/events.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  recordingLogger,
  useLocalInstant,
} from './helpers.js'

const localInstant = useLocalInstant()

function everything(res: request.Response): string {
  return `${JSON.stringify(res.headers)}\n${res.text}`
}

describe.each(FRAMEWORKS)('secrets on %s', (framework) => {
  it.each(DB_KINDS)('with the %s client', async (dbKind) => {
    const db = makeDb(dbKind, localInstant())
    const badDb = makeDb(dbKind, {
      ...localInstant(),
      adminToken: '99999999-9999-4999-8999-999999999999',
    })
    const logger = recordingLogger()
    const events: KitEvent[] = []
    const onEvent = (e: KitEvent): void => void events.push(e)
    const codes: string[] = []
    const common = { logger, onEvent }
    const app = createApp(framework)
    app.use(magicCodeRouter({ db, ...common, sendEmail: ({ code }) => void codes.push(code) }))
    app.use(
      signInRouter({
        db,
        ...common,
        authenticate: (req) => ({ email: String(req.body['email']) }),
      }),
    )
    app.use(
      signInRouter({
        db: badDb,
        ...common,
        path: '/bad-sign-in',
        authenticate: () => ({ email: 'x@example.com' }),
      }),
    )
    app.use(signOutRouter({ db, ...common }))
    app.route('GET', '/me', requireInstantUser({ db, ...common }), (req, res) =>
      json(res, 200, { instant: req.instant, user: req.instant.user }),
    )
    app.route('GET', '/maybe', optionalInstantUser({ db, ...common }), (req, res) =>
      json(res, 200, { instant: req.instant }),
    )

    const alice = `alice-${framework}-${dbKind}@secret.example`
    const bob = `bob-${framework}-${dbKind}@secret.example`
    const responses: { res: request.Response; allowed: string[] }[] = []
    const record = (res: request.Response, allowed: string[] = []) => {
      responses.push({ res, allowed })
      return res
    }

    record(
      await request(app.handler).post('/custom-send-magic-code').send({ email: alice }).expect(200),
    )
    const code = codes[0]!
    const wrongCode = '999999' // Instant's codes never contain a 9
    record(
      await request(app.handler)
        .post('/verify-magic-code')
        .send({ email: alice, code: wrongCode })
        .expect(401),
    )
    const verified = await request(app.handler)
      .post('/verify-magic-code')
      .send({ email: alice, code })
      .expect(200)
    const aliceToken = verified.body.token as string
    record(verified, [aliceToken])
    const signedIn = await request(app.handler).post('/sign-in').send({ email: bob }).expect(200)
    const bobToken = signedIn.body.token as string
    record(signedIn, [bobToken])
    record(await request(app.handler).get('/me').set('token', aliceToken).expect(200))
    record(await request(app.handler).get('/me').set('token', aliceToken).expect(200))
    record(
      await request(app.handler)
        .get('/maybe')
        .set('authorization', `Bearer ${bobToken}`)
        .expect(200),
    )
    record(
      await request(app.handler)
        .get('/me')
        .set('token', aliceToken)
        .set('authorization', `Bearer ${bobToken}`)
        .expect(400),
    )
    record(await request(app.handler).post('/bad-sign-in').expect(500))
    record(await request(app.handler).post('/sign-out').set('token', aliceToken).expect(204))
    record(await request(app.handler).get('/me').set('token', aliceToken).expect(401))

    const secrets = [
      localInstant().adminToken,
      '99999999-9999-4999-8999-999999999999',
      aliceToken,
      bobToken,
      code,
      wrongCode,
    ]
    for (const { res, allowed } of responses) {
      const text = everything(res)
      for (const secret of secrets) {
        if (!allowed.includes(secret))
          expect(text, (res as unknown as { req: { path: string } }).req.path).not.toContain(secret)
      }
    }
    const logged = logger.lines.join('\n')
    const evented = JSON.stringify(events.map((e) => ({ ...e, durationMs: undefined })))
    for (const secret of [...secrets, alice, bob]) {
      expect(logged).not.toContain(secret)
      expect(evented).not.toContain(secret)
    }
    expect(logger.lines).toHaveLength(1) // the misconfiguration line
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'code_sent',
        'code_rejected',
        'code_verified',
        'signed_in',
        'verified',
        'cache_hit',
        'token_rejected',
        'signed_out',
        'upstream_error',
      ]),
    )
  })
})
